package io.finchconnect.connection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * A disconnected connection's token is deleted in the transaction that records the disconnect, whoever ended it,
 * and is never served again: the token endpoint answers {@code 409 connection-disconnected}.
 */
@QuarkusTest
class TokensDieWithTheirConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    DisconnectedTokenPurge purge;

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @Test
    void anOperatorsDisconnectDeletesTheTokenAndTheEndpointRefusesIt() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String connectionId = connection.connectionId();
        tokenOf(connectionId).then().statusCode(200);

        given().auth().oauth2(TestStack.get().jwt().token("connections:write"))
                .post("/v1/connections/" + connectionId + "/disconnect").then().statusCode(200)
                .body("status", equalTo("disconnected"));

        assertThat(Sql.count("SELECT count(*) FROM connections WHERE connection_id = ? AND token_ciphertext IS NULL "
                + "AND token_key_id IS NULL AND token_format IS NULL", connectionId)).isEqualTo(1);
        tokenOf(connectionId).then().statusCode(409).contentType("application/problem+json")
                .body("type", containsString("connection-disconnected"));
    }

    @Test
    void finchsDisconnectDeletesTheTokenToo() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String connectionId = connection.connectionId();

        Finch.setStatus(connectionId, "disconnected");

        Awaitility.await("Finch's disconnect applied").atMost(WAIT).until(() -> "disconnected".equals(
                Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)));
        assertThat(Sql.single("SELECT token_ciphertext FROM connections WHERE connection_id = ?", connectionId)).isNull();
        tokenOf(connectionId).then().statusCode(409).body("type", containsString("connection-disconnected"));
    }

    /** A row as the previous release left it: disconnected, its token kept. The purge deletes it. */
    @Test
    void theTokensOfConnectionsDisconnectedBeforeArePurged() {
        String connectionId = SimulatedConnections.connected().connectionId();
        Sql.update("UPDATE connections SET status = 'disconnected' WHERE connection_id = ?", connectionId);
        assertThat(Sql.single("SELECT token_ciphertext FROM connections WHERE connection_id = ?", connectionId)).isNotNull();

        assertThat(purge.purge().await().atMost(WAIT)).isPositive();
        assertThat(Sql.single("SELECT token_ciphertext FROM connections WHERE connection_id = ?", connectionId)).isNull();
        tokenOf(connectionId).then().statusCode(409).body("type", containsString("connection-disconnected"));
    }

    private static io.restassured.response.Response tokenOf(String connectionId) {
        return given().auth().oauth2(TestStack.get().jwt().token("tokens:read"))
                .get("/v1/connections/" + connectionId + "/access-token");
    }
}
