package io.finchconnect.testing;

import org.eclipse.microprofile.config.ConfigProvider;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * The running {@code @QuarkusTest} application's management interface (health, metrics). Its test port is 0,
 * a free one per run, so that test runs side by side do not collide; Quarkus writes the port it bound back
 * into {@code quarkus.management.test-port}.
 */
public final class ManagementInterface {

    private ManagementInterface() {
    }

    public static int port() {
        int port = ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
        if (port <= 0) {
            throw new IllegalStateException("the management interface has not bound its port yet");
        }
        return port;
    }

    /** A REST Assured request to the management interface instead of the API port. */
    public static RequestSpecification given() {
        return RestAssured.given().port(port());
    }
}
