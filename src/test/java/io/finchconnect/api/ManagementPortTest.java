package io.finchconnect.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.ManagementInterface;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Health and metrics are served on the management interface's own port and not on the API port, which is the
 * only one a route from outside the cluster reaches. (ProductionConfigurationIT proves the same of the jar.)
 */
@QuarkusTest
class ManagementPortTest {

    @Test
    void healthAndMetricsAreOnTheManagementPortOnly() {
        int api = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        assertThat(ManagementInterface.port()).isPositive().isNotEqualTo(api);

        for (String path : new String[] { "/q/health", "/q/health/live", "/q/health/ready", "/q/health/started",
                "/q/metrics" }) {
            given().get(path).then().statusCode(404);
        }
        ManagementInterface.given().get("/q/health/live").then().statusCode(200).body(containsString("UP"));
        ManagementInterface.given().get("/q/health/started").then().statusCode(200);
        ManagementInterface.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    void theApiIsNotServedOnTheManagementPort() {
        ManagementInterface.given().get("/v1/connections/00000000-0000-0000-0000-000000000000").then().statusCode(404);
        given().get("/v1/connections/00000000-0000-0000-0000-000000000000").then().statusCode(401);
    }
}
