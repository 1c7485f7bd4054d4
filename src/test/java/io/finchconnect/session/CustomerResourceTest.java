package io.finchconnect.session;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
class CustomerResourceTest {

    @Test
    void theConnectLinkIsTheStagedSessionWhileValidAndARefreshedOneAfter() {
        String customerId = "cust-" + UUID.randomUUID();
        String sessionId = as("sessions:write").contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Acme", "products", "company directory",
                        "redirect_uri", TestStack.REDIRECT_URI))
                .post("/v1/connect/sessions").then().statusCode(201).extract().path("session_id");

        as("sessions:read").get("/v1/customers/" + customerId + "/connect-link").then().statusCode(200)
                .body("kind", equalTo("staged")).body("session_id", equalTo(sessionId))
                .body("connect_url", containsString("state="));

        Sql.update("UPDATE staged_sessions SET expires_at = now() - interval '1 minute' WHERE customer_id = ?", customerId);
        String expiresAt = as("sessions:read").get("/v1/customers/" + customerId + "/connect-link").then().statusCode(200)
                .body("kind", equalTo("staged")).body("session_id", equalTo(sessionId)).extract().path("expires_at");
        assertThat(OffsetDateTime.parse(expiresAt)).isAfter(OffsetDateTime.now().plusDays(80));
        assertThat(Sql.single("SELECT expires_at > now() FROM staged_sessions WHERE customer_id = ?", customerId)).isEqualTo(true);

        as("connections:read").get("/v1/customers/" + customerId).then().statusCode(200)
                .body("customer_name", equalTo("Acme")).body("staged_session.session_id", equalTo(sessionId))
                .body("staged_session.products", hasSize(2)).body("connections", hasSize(0));
    }

    @Test
    void aConnectedCustomerGetsAConflictAndOneInReauthGetsItsReauthLink() {
        String customerId = "cust-" + UUID.randomUUID();
        String connectionId = SimulatedConnections.establishedThroughTheService(customerId);
        as("sessions:read").get("/v1/customers/" + customerId + "/connect-link").then().statusCode(409)
                .contentType("application/problem+json").body("connection_id", equalTo(connectionId));

        Finch.setStatusUndelivered(connectionId, "reauth");
        as("connections:report").post("/v1/connections/" + connectionId + "/reauth-required").then().statusCode(200);

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as("sessions:read")
                .get("/v1/customers/" + customerId + "/connect-link").then().statusCode(200)
                .body("kind", equalTo("reauth")).body("connection_id", equalTo(connectionId))
                .body("connect_url", containsString("state=")));
        as("connections:read").get("/v1/customers/" + customerId).then().statusCode(200)
                .body("connections[0].connection_id", equalTo(connectionId)).body("connections[0].status", equalTo("reauth"));
    }

    @Test
    void unknownCustomersAndConnectionsAreNotFoundAndRolesAreChecked() {
        as("sessions:read").get("/v1/customers/nobody-" + UUID.randomUUID() + "/connect-link").then().statusCode(404)
                .contentType("application/problem+json");
        as("connections:read").get("/v1/customers/nobody-" + UUID.randomUUID()).then().statusCode(404);
        given().get("/v1/customers/x/connect-link").then().statusCode(401);
        as("connections:read").get("/v1/customers/x/connect-link").then().statusCode(403);
        as("sessions:write").contentType("application/json").body(Map.of("connection_id", "nope-" + UUID.randomUUID()))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void reauthenticateGivesAKnownConnectionASessionWithTheRequestedProducts() {
        String customerId = "cust-" + UUID.randomUUID();
        String connectionId = SimulatedConnections.establishedThroughTheService(customerId);

        as("sessions:write").contentType("application/json")
                .body(Map.of("connection_id", connectionId, "products", "company directory payment",
                        "redirect_uri", TestStack.REDIRECT_URI, "state", "mine"))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(200)
                .body("connection_id", equalTo(connectionId)).body("customer_id", equalTo(customerId))
                .body("connect_url", containsString("state="));
        as("sessions:write").contentType("application/json").body(Map.of("connection_id", connectionId, "products", "telepathy"))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(400).body("field", equalTo("products"));
    }

    private static RequestSpecification as(String role) {
        return given().auth().oauth2(TestStack.get().jwt().token(role));
    }

}
