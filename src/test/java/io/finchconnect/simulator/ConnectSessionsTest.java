package io.finchconnect.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConnectSessionsTest {

    private static FinchSimulator simulator;
    private static SimulatorClient client;

    @BeforeAll
    static void start() {
        simulator = FinchSimulator.start(FinchSimulator.Options.defaults());
        client = new SimulatorClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @Test
    void createsASessionWithAConnectUrlOnTheSimulator() {
        SimulatorClient.Reply reply = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()));

        assertEquals(201, reply.status(), reply.body());
        String sessionId = reply.json().getString("session_id");
        UUID.fromString(sessionId);
        assertEquals(simulator.baseUrl() + "/authorize?session=" + sessionId, reply.json().getString("connect_url"));
        assertTrue(simulator.baseUrl().startsWith("http://localhost:" + simulator.port()));
    }

    @Test
    void missingApiVersionIsAFinchBadRequest() {
        SimulatorClient.Reply reply = client.send(client.request("/connect/sessions")
                .header("Authorization", SimulatorClient.basicHeader("sim-client-id", "sim-client-secret"))
                .POST(HttpRequest.BodyPublishers.ofString(SimulatorClient.sessionBody("c").encode())).build());

        assertFinchError(reply, 400, "bad_request", "invalid_request");
    }

    @Test
    void otherApiVersionIsAFinchBadRequest() {
        SimulatorClient.Reply reply = client.send(client.request("/introspect").header("Finch-API-Version", "2023-01-01")
                .header("Authorization", "Bearer x").GET().build());

        assertFinchError(reply, 400, "bad_request", "invalid_request");
    }

    @Test
    void wrongOrMissingBasicAuthIsAnAuthenticationError() {
        JsonObject body = SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId());
        SimulatorClient.Reply missing = client.send(client.finchPost("/connect/sessions", body).build());
        SimulatorClient.Reply wrong = new SimulatorClient(simulator, "sim-client-id", "wrong").basicPost("/connect/sessions", body);
        SimulatorClient.Reply reauth = client.send(client.finchPost("/connect/sessions/reauthenticate",
                new JsonObject().put("connection_id", "x")).build());

        assertFinchError(missing, 401, "invalid_client_error", null);
        assertFinchError(wrong, 401, "invalid_client_error", null);
        assertFinchError(reauth, 401, "invalid_client_error", null);
    }

    @Test
    void rejectsInvalidFieldsAsTheTableSays() {
        assertInvalid(body -> body.remove("customer_id"));
        assertInvalid(body -> body.put("customer_id", ""));
        assertInvalid(body -> body.put("customer_id", "x".repeat(256)));
        assertInvalid(body -> body.put("customer_id", 42));
        assertInvalid(body -> body.remove("customer_name"));
        assertInvalid(body -> body.put("customer_name", "x".repeat(256)));
        assertInvalid(body -> body.remove("products"));
        assertInvalid(body -> body.put("products", new JsonArray()));
        assertInvalid(body -> body.put("products", "company directory"));
        assertInvalid(body -> body.put("products", new JsonArray().add("company").add("payroll")));
        assertInvalid(body -> body.put("products", new JsonArray().add("deduction").add("benefits")));
        assertInvalid(body -> body.put("integration", new JsonObject().put("auth_method", "oauth")));
        assertInvalid(body -> body.put("integration", new JsonObject().put("provider", "gusto").put("auth_method", "magic")));
        assertInvalid(body -> body.put("sandbox", "staging"));
        assertInvalid(body -> body.put("minutes_to_expire", 0));
        assertInvalid(body -> body.put("minutes_to_expire", -5));
        assertInvalid(body -> body.put("minutes_to_expire", 129_601));
        assertInvalid(body -> body.put("minutes_to_expire", 525_600));
        assertInvalid(body -> body.put("minutes_to_expire", 90.5));
        assertInvalid(body -> body.put("minutes_to_expire", 60.0));
        assertInvalid(body -> body.put("minutes_to_expire", "60"));
        assertInvalid(body -> body.put("recordkeeping", new JsonObject().put("recordkeeper", "voya")));
        assertInvalid(body -> body.put("products", new JsonArray().add("recordkeeping"))
                .put("recordkeeping", new JsonObject().put("recordkeeper", "vanguard")));
        assertInvalid(body -> body.put("products", new JsonArray().add("recordkeeping"))
                .put("recordkeeping", new JsonObject().put("plan_id", "p-1")));
        assertInvalid(body -> body.put("products", new JsonArray().add("recordkeeping")).put("recordkeeping", "voya"));
        assertInvalid(body -> body.put("manual", "yes"));
        assertInvalid(body -> body.put("redirect_uri", "not a uri"));
    }

    @Test
    void acceptsEveryOptionalFieldAndIgnoresState() {
        String customerId = SimulatorClient.uniqueCustomerId().substring(0, 10) + "x".repeat(245);
        JsonObject body = SimulatorClient.sessionBody(customerId)
                .put("customer_name", "N".repeat(255))
                .put("customer_email", "hr@acme.example")
                .put("products", new JsonArray().add("company").add("deduction").add("ssn").add("pay_statement"))
                .put("integration", new JsonObject().put("provider", "gusto").put("auth_method", "oauth"))
                .put("sandbox", "finch")
                .put("manual", false)
                .put("minutes_to_expire", 60)
                .put("state", "ignored-state");

        SimulatorClient.Reply reply = client.basicPost("/connect/sessions", body);

        assertEquals(201, reply.status(), reply.body());
        JsonObject session = client.controlGet("/_control/customers/" + customerId).json().getJsonObject("session");
        assertEquals("gusto", session.getString("integration_provider"));
        assertEquals("finch", session.getString("sandbox"));
        assertEquals(new JsonArray().add("company").add("deduction").add("ssn").add("pay_statement"), session.getJsonArray("products"));
    }

    @Test
    void minutesToExpireIsAnIntegerFromOneTo129600() {
        for (int minutes : new int[] { 1, 129_600 }) {
            String customerId = SimulatorClient.uniqueCustomerId();
            SimulatorClient.Reply reply = client.basicPost("/connect/sessions",
                    SimulatorClient.sessionBody(customerId).put("minutes_to_expire", minutes));
            assertEquals(201, reply.status(), reply.body());
        }
        SimulatorClient.Reply reauth = client.basicPost("/connect/sessions/reauthenticate", new JsonObject()
                .put("connection_id", client.connect(SimulatorClient.uniqueCustomerId()).getString("connection_id"))
                .put("minutes_to_expire", 129_601));
        assertFinchError(reauth, 400, "bad_request", "invalid_request");
    }

    @Test
    void recordkeepingIsAcceptedWithTheRecordkeepingProduct() {
        String customerId = SimulatorClient.uniqueCustomerId();
        SimulatorClient.Reply reply = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(customerId)
                .put("products", new JsonArray().add("company").add("recordkeeping"))
                .put("recordkeeping", new JsonObject().put("recordkeeper", "fidelity").put("plan_id", "plan-7")));

        assertEquals(201, reply.status(), reply.body());
        assertEquals(new JsonObject().put("recordkeeper", "fidelity").put("plan_id", "plan-7"),
                client.controlGet("/_control/customers/" + customerId).json().getJsonObject("session").getJsonObject("recordkeeping"));
    }

    @Test
    void reusedCustomerIdRefreshesTheSameSession() {
        String customerId = SimulatorClient.uniqueCustomerId();
        SimulatorClient.Reply first = client.basicPost("/connect/sessions",
                SimulatorClient.sessionBody(customerId).put("minutes_to_expire", 5));
        String firstExpiry = client.controlGet("/_control/customers/" + customerId).json()
                .getJsonObject("session").getString("expires_at");

        SimulatorClient.Reply second = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(customerId)
                .put("customer_name", "Acme Renamed").put("products", new JsonArray().add("individual")));

        assertEquals(201, second.status(), second.body());
        assertEquals(first.json().getString("session_id"), second.json().getString("session_id"));
        JsonObject session = client.controlGet("/_control/customers/" + customerId).json().getJsonObject("session");
        assertEquals("Acme Renamed", session.getString("customer_name"));
        assertEquals(new JsonArray().add("individual"), session.getJsonArray("products"));
        assertTrue(session.getString("expires_at").compareTo(firstExpiry) > 0, "expiry refreshed");
    }

    @Test
    void reusedCustomerIdAfterConnectingAsksForReauthentication() {
        String customerId = SimulatorClient.uniqueCustomerId();
        client.connect(customerId);

        SimulatorClient.Reply reply = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(customerId));

        assertFinchError(reply, 400, "bad_request", "invalid_request");
        assertTrue(reply.json().getString("message").contains("/connect/sessions/reauthenticate"));
    }

    @Test
    void aDisconnectedCustomerCanStageANewSession() {
        String customerId = SimulatorClient.uniqueCustomerId();
        JsonObject token = client.connect(customerId);
        client.bearerPost("/disconnect", token.getString("access_token"));

        SimulatorClient.Reply reply = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(customerId));

        assertEquals(201, reply.status(), reply.body());
        String code = client.controlPost("/_control/sessions/" + reply.json().getString("session_id") + "/complete", null)
                .json().getString("code");
        assertNotEquals(token.getString("connection_id"), client.exchange(code).json().getString("connection_id"));
    }

    @Test
    void reauthSessionIsANewSessionBoundToTheConnection() {
        String customerId = SimulatorClient.uniqueCustomerId();
        String connectionId = client.connect(customerId).getString("connection_id");

        SimulatorClient.Reply reply = client.basicPost("/connect/sessions/reauthenticate",
                new JsonObject().put("connection_id", connectionId).put("products", new JsonArray().add("company")));

        assertEquals(201, reply.status(), reply.body());
        String sessionId = reply.json().getString("session_id");
        assertEquals(simulator.baseUrl() + "/authorize?session=" + sessionId, reply.json().getString("connect_url"));
        JsonObject staged = client.controlGet("/_control/customers/" + customerId).json().getJsonObject("session");
        assertNotEquals(staged.getString("session_id"), sessionId);
        JsonObject completed = client.controlPost("/_control/sessions/" + sessionId + "/complete", null).json();
        assertEquals(connectionId, completed.getString("connection_id"));
    }

    @Test
    void reauthSessionForAnUnknownConnectionIsNotFound() {
        SimulatorClient.Reply reply = client.basicPost("/connect/sessions/reauthenticate",
                new JsonObject().put("connection_id", UUID.randomUUID().toString()));

        assertFinchError(reply, 404, "not_found_error", "item_not_found");
    }

    @Test
    void reauthSessionNeedsAConnectionIdAndValidProducts() {
        assertFinchError(client.basicPost("/connect/sessions/reauthenticate", new JsonObject()), 400,
                "bad_request", "invalid_request");
        assertFinchError(client.basicPost("/connect/sessions/reauthenticate",
                new JsonObject().put("connection_id", "x").put("products", new JsonArray().add("nope"))), 400,
                "bad_request", "invalid_request");
    }

    @Test
    void redirectUriMustBeOneOfTheApplicationsWhenTheyAreConfigured() {
        try (FinchSimulator strict = FinchSimulator.start(FinchSimulator.Options.defaults()
                .withAllowedRedirectUris(Set.of("https://app.example.com/callback")))) {
            SimulatorClient strictClient = new SimulatorClient(strict);
            SimulatorClient.Reply allowed = strictClient.basicPost("/connect/sessions",
                    SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()));
            SimulatorClient.Reply other = strictClient.basicPost("/connect/sessions",
                    SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()).put("redirect_uri", "https://evil.example/cb"));

            assertEquals(201, allowed.status(), allowed.body());
            assertFinchError(other, 400, "bad_request", "invalid_request");
        }
    }

    @Test
    void malformedJsonAndUnknownRoutesAnswerFinchErrors() {
        SimulatorClient.Reply malformed = client.send(client.request("/connect/sessions")
                .header("Finch-API-Version", SimulatorClient.VERSION)
                .header("Authorization", SimulatorClient.basicHeader("sim-client-id", "sim-client-secret"))
                .POST(HttpRequest.BodyPublishers.ofString("{nope")).build());

        assertFinchError(malformed, 400, "bad_request", "invalid_request");
        assertFinchError(client.get("/employer/directory"), 404, "not_found_error", "item_not_found");
    }

    private static void assertInvalid(Consumer<JsonObject> change) {
        JsonObject body = SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId());
        change.accept(body);
        SimulatorClient.Reply reply = client.basicPost("/connect/sessions", body);
        assertFinchError(reply, 400, "bad_request", "invalid_request");
    }

    static void assertFinchError(SimulatorClient.Reply reply, int status, String name, String finchCode) {
        assertEquals(status, reply.status(), reply.body());
        JsonObject body = reply.json();
        assertEquals(Set.of("code", "name", "finch_code", "message"), body.fieldNames(), reply.body());
        assertEquals(status, body.getInteger("code"));
        assertEquals(name, body.getString("name"));
        assertEquals(finchCode, body.getString("finch_code"));
        assertTrue(body.getString("message") != null && !body.getString("message").isEmpty());
    }
}
