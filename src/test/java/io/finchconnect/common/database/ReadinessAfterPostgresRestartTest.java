package io.finchconnect.common.database;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.ManagementInterface;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Readiness follows PostgreSQL: DOWN while it is down, and UP on the first probe once it is back. The start-up pool (JDBC, for
 * the migrations) kept the connection of the last probe, which the restart closed; a probe that used it unchecked
 * reported the service not ready, though every request was served (seen when tests shared one application across
 * a PostgreSQL outage).
 */
@QuarkusTest
class ReadinessAfterPostgresRestartTest {

    @Test
    void theFirstProbeAfterPostgresIsBackIsUp() {
        ManagementInterface.given().get("/q/health/ready").then().statusCode(200);

        TestStack.get().postgres().stop();
        try {
            ManagementInterface.given().get("/q/health/ready").then().statusCode(503);
        } finally {
            TestStack.get().postgres().start();
        }

        ManagementInterface.given().get("/q/health/ready").then().log().ifValidationFails().statusCode(200);
    }
}
