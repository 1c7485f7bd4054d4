package io.finchconnect.simulator;

import static io.finchconnect.simulator.ConnectSessionsTest.assertFinchError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenExchangeTest {

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
    void tokenResponseHasExactlyTheCreateAccessTokenResponseFields() {
        String customerId = SimulatorClient.uniqueCustomerId();
        JsonObject token = client.connect(customerId);

        assertEquals(Set.of("access_token", "token_type", "connection_id", "client_type", "connection_type", "entity_ids",
                "products", "provider_id", "customer_id", "customer_name", "company_id", "account_id"), token.fieldNames());
        assertTrue(token.getString("access_token").length() >= 40);
        assertEquals("bearer", token.getString("token_type"));
        UUID.fromString(token.getString("connection_id"));
        assertEquals("sandbox", token.getString("client_type"));
        assertEquals("provider", token.getString("connection_type"));
        assertEquals(1, token.getJsonArray("entity_ids").size());
        UUID.fromString(token.getJsonArray("entity_ids").getString(0));
        assertEquals(new JsonArray().add("company").add("directory"), token.getJsonArray("products"));
        assertEquals("gusto", token.getString("provider_id"));
        assertEquals(customerId, token.getString("customer_id"));
        assertEquals("Acme " + customerId, token.getString("customer_name"));
        UUID.fromString(token.getString("company_id"));
        UUID.fromString(token.getString("account_id"));
    }

    @Test
    void finchSandboxGivesAFinchConnectionType() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId())
                .put("sandbox", "finch")).json().getString("session_id");
        String code = client.controlPost("/_control/sessions/" + sessionId + "/complete",
                new JsonObject().put("provider", "adp_run")).json().getString("code");

        JsonObject token = client.exchange(code).json();

        assertEquals("finch", token.getString("connection_type"));
        assertEquals("adp_run", token.getString("provider_id"));
    }

    @Test
    void codeIsSingleUse() {
        String code = completeNewSession();

        assertEquals(200, client.exchange(code).status());
        assertFinchError(client.exchange(code), 400, "invalid_grant_error", null);
        assertFinchError(client.exchange("never-issued"), 400, "invalid_grant_error", null);
    }

    @Test
    void codeExpiresAfterTheCodeTtl() throws InterruptedException {
        try (FinchSimulator shortLived = FinchSimulator.start(FinchSimulator.Options.defaults().withCodeTtl(Duration.ofMillis(200)))) {
            SimulatorClient shortClient = new SimulatorClient(shortLived);
            String sessionId = shortClient.basicPost("/connect/sessions",
                    SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId())).json().getString("session_id");
            String code = shortClient.controlPost("/_control/sessions/" + sessionId + "/complete", null).json().getString("code");
            Thread.sleep(400);

            assertFinchError(shortClient.exchange(code), 400, "invalid_grant_error", null);
        }
    }

    @Test
    void clientCredentialsMayComeInTheBodyAndMustBeRight() {
        String code = completeNewSession();
        SimulatorClient.Reply wrong = client.send(client.finchPost("/auth/token", new JsonObject().put("code", code)
                .put("client_id", "sim-client-id").put("client_secret", "nope")).build());
        SimulatorClient.Reply missing = client.send(client.finchPost("/auth/token", new JsonObject().put("code", code)).build());
        SimulatorClient.Reply right = client.send(client.finchPost("/auth/token", new JsonObject().put("code", code)
                .put("client_id", "sim-client-id").put("client_secret", "sim-client-secret")
                .put("redirect_uri", "https://app.example.com/callback")).build());

        assertFinchError(wrong, 401, "invalid_client_error", null);
        assertFinchError(missing, 401, "invalid_client_error", null);
        assertEquals(200, right.status(), right.body());
    }

    @Test
    void aRedirectFlowCodeNeedsTheRedirectUriOfItsSession() {
        String code = completeNewSession();

        SimulatorClient.Reply missing = client.exchange(code, null);
        SimulatorClient.Reply other = client.exchange(code, "https://app.example.com/other");
        SimulatorClient.Reply right = client.exchange(code, SimulatorClient.REDIRECT_URI);

        assertFinchError(missing, 400, "invalid_grant_error", null);
        assertFinchError(other, 400, "invalid_grant_error", null);
        assertEquals(200, right.status(), right.body());
    }

    @Test
    void anEmbeddedFlowCodeIsExchangedWithoutARedirectUri() {
        String code = completeNewEmbeddedSession();

        SimulatorClient.Reply withOne = client.exchange(code, SimulatorClient.REDIRECT_URI);
        SimulatorClient.Reply without = client.exchangeEmbedded(code);

        assertFinchError(withOne, 400, "invalid_grant_error", null);
        assertEquals(200, without.status(), without.body());
    }

    @Test
    void aReauthSessionsCodeNeedsTheRedirectUriOfTheReauthSession() {
        JsonObject first = client.connect(SimulatorClient.uniqueCustomerId());
        String sessionId = client.basicPost("/connect/sessions/reauthenticate", new JsonObject()
                .put("connection_id", first.getString("connection_id")).put("redirect_uri", "https://app.example.com/reauth"))
                .json().getString("session_id");
        String code = client.controlPost("/_control/sessions/" + sessionId + "/complete", null).json().getString("code");

        assertFinchError(client.exchange(code, null), 400, "invalid_grant_error", null);
        assertFinchError(client.exchange(code, SimulatorClient.REDIRECT_URI), 400, "invalid_grant_error", null);
        assertEquals(200, client.exchange(code, "https://app.example.com/reauth").status());
    }

    @Test
    void reauthExchangeKeepsTheIdsAndEveryTokenStaysValidUntilDisconnect() {
        JsonObject first = client.connect(SimulatorClient.uniqueCustomerId());
        String connectionId = first.getString("connection_id");
        client.controlPost("/_control/connections/" + connectionId + "/status", new JsonObject().put("status", "reauth"));
        String sessionId = client.basicPost("/connect/sessions/reauthenticate", new JsonObject().put("connection_id", connectionId))
                .json().getString("session_id");
        String code = client.controlPost("/_control/sessions/" + sessionId + "/complete", null).json().getString("code");

        JsonObject second = client.exchangeEmbedded(code).json();

        assertEquals(connectionId, second.getString("connection_id"));
        assertEquals(first.getString("company_id"), second.getString("company_id"));
        assertEquals(first.getString("account_id"), second.getString("account_id"));
        assertEquals(first.getJsonArray("entity_ids"), second.getJsonArray("entity_ids"));
        assertNotEquals(first.getString("access_token"), second.getString("access_token"));
        JsonObject oldView = client.bearerGet("/introspect", first.getString("access_token")).json();
        JsonObject newView = client.bearerGet("/introspect", second.getString("access_token")).json();
        assertEquals("connected", newView.getJsonObject("connection_status").getString("status"));
        assertEquals("connected", oldView.getJsonObject("connection_status").getString("status"), "the old token still works");
        assertNotEquals(oldView.getString("id"), newView.getString("id"), "each token has its own id");
        assertEquals(2, client.controlGet("/_control/connections/" + connectionId).json().getInteger("active_access_tokens"));

        assertEquals(200, client.bearerPost("/disconnect", first.getString("access_token")).status());

        assertFinchError(client.bearerGet("/introspect", first.getString("access_token")), 401, "invalid_token_error", null);
        assertFinchError(client.bearerGet("/introspect", second.getString("access_token")), 401, "invalid_token_error", null);
        assertEquals(0, client.controlGet("/_control/connections/" + connectionId).json().getInteger("active_access_tokens"));
    }

    @Test
    void introspectionHasEveryFieldOfTheSdksIntrospection() {
        String customerId = SimulatorClient.uniqueCustomerId();
        JsonObject token = client.connect(customerId);

        JsonObject body = client.bearerGet("/introspect", token.getString("access_token")).json();

        assertEquals(Set.of("id", "client_id", "client_type", "connection_id", "connection_status", "connection_type",
                "products", "provider_id", "account_id", "authentication_methods", "company_id", "customer_email",
                "customer_id", "customer_name", "entities", "manual", "payroll_provider_id", "username"), body.fieldNames());
        UUID.fromString(body.getString("id"));
        assertEquals("sim-client-id", body.getString("client_id"));
        JsonObject method = body.getJsonArray("authentication_methods").getJsonObject(0);
        assertEquals("credential", method.getString("type"));
        assertEquals("connected", method.getJsonObject("connection_status").getString("status"));
        assertEquals(token.getJsonArray("products"), method.getJsonArray("products"));
        JsonObject entity = body.getJsonArray("entities").getJsonObject(0);
        assertEquals(Set.of("id", "name", "source_id", "status"), entity.fieldNames());
        assertEquals(token.getJsonArray("entity_ids").getString(0), entity.getString("id"));
        assertEquals("connected", entity.getString("status"));
        assertEquals(false, body.getBoolean("manual"));
        assertEquals("gusto", body.getString("payroll_provider_id"));
    }

    @Test
    void aMultiEntityConnectionHasAnEntityIdPerEntity() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");
        String code = client.controlPost("/_control/sessions/" + sessionId + "/complete", new JsonObject().put("entities", 3))
                .json().getString("code");

        JsonObject token = client.exchange(code).json();

        assertEquals(3, token.getJsonArray("entity_ids").size());
        JsonObject body = client.bearerGet("/introspect", token.getString("access_token")).json();
        assertEquals(token.getJsonArray("entity_ids"), new JsonArray(body.getJsonArray("entities").stream()
                .map(entity -> ((JsonObject) entity).getString("id")).toList()));
        assertEquals(400, client.controlPost("/_control/sessions/" + client.basicPost("/connect/sessions",
                SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId())).json().getString("session_id") + "/complete",
                new JsonObject().put("entities", 0)).status());
    }

    @Test
    void disconnectEntityRemovesOnlyTheNamedEntities() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");
        JsonObject token = client.exchange(client.controlPost("/_control/sessions/" + sessionId + "/complete",
                new JsonObject().put("entities", 2)).json().getString("code")).json();
        String removed = token.getJsonArray("entity_ids").getString(0);
        String kept = token.getJsonArray("entity_ids").getString(1);

        assertFinchError(disconnectEntity(token, new JsonObject()), 400, "bad_request", "invalid_request");
        assertFinchError(disconnectEntity(token, new JsonObject().put("entity_ids", new JsonArray())), 400, "bad_request", "invalid_request");
        assertFinchError(disconnectEntity(token, new JsonObject().put("entity_ids", new JsonArray().add(removed).add("other"))),
                400, "bad_request", "invalid_request");
        SimulatorClient.Reply reply = disconnectEntity(token, new JsonObject().put("entity_ids", new JsonArray().add(removed)));

        assertEquals(200, reply.status(), reply.body());
        assertEquals(new JsonObject().put("status", "success"), reply.json());
        JsonObject body = client.bearerGet("/introspect", token.getString("access_token")).json();
        assertEquals("connected", body.getJsonObject("connection_status").getString("status"));
        for (Object item : body.getJsonArray("entities")) {
            JsonObject entity = (JsonObject) item;
            assertEquals(entity.getString("id").equals(removed) ? "disconnected" : "connected", entity.getString("status"));
        }
        assertTrue(body.getJsonArray("entities").stream().anyMatch(e -> kept.equals(((JsonObject) e).getString("id"))));
        assertFinchError(disconnectEntity(token, new JsonObject().put("entity_ids", new JsonArray().add(removed))),
                400, "bad_request", "invalid_request");
    }

    @Test
    void dataCallsOfAConnectionInReauthAnswerReauthenticateUser() {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        String connectionId = token.getString("connection_id");
        String jobId = client.controlPost("/_control/connections/" + connectionId + "/jobs", new JsonObject()
                .put("type", "data_sync_all")).json().getJsonObject("job").getString("job_id");
        client.controlPost("/_control/connections/" + connectionId + "/status", new JsonObject().put("status", "reauth"));

        assertFinchError(client.bearerGet("/employer/company", token.getString("access_token")), 401,
                "authentication_error", "reauthenticate_user");
        assertFinchError(client.bearerGet("/jobs/automated/" + jobId, token.getString("access_token")), 401,
                "authentication_error", "reauthenticate_user");
        assertEquals("reauth", client.bearerGet("/introspect", token.getString("access_token")).json()
                .getJsonObject("connection_status").getString("status"));
    }

    private static SimulatorClient.Reply disconnectEntity(JsonObject token, JsonObject body) {
        return client.send(client.finchPost("/disconnect-entity", body)
                .header("Authorization", "Bearer " + token.getString("access_token")).build());
    }

    @Test
    void introspectDescribesTheConnection() {
        String customerId = SimulatorClient.uniqueCustomerId();
        JsonObject token = client.connect(customerId);

        SimulatorClient.Reply reply = client.bearerGet("/introspect", token.getString("access_token"));

        assertEquals(200, reply.status(), reply.body());
        JsonObject body = reply.json();
        assertEquals(token.getString("connection_id"), body.getString("connection_id"));
        JsonObject status = body.getJsonObject("connection_status");
        assertEquals("connected", status.getString("status"));
        assertTrue(status.getString("last_successful_sync") != null);
        assertEquals(customerId, body.getString("customer_id"));
        assertEquals("Acme " + customerId, body.getString("customer_name"));
        assertEquals(token.getJsonArray("products"), body.getJsonArray("products"));
        assertEquals("gusto", body.getString("provider_id"));
        assertEquals(token.getString("company_id"), body.getString("company_id"));
        assertEquals("sandbox", body.getString("client_type"));
        assertEquals("provider", body.getString("connection_type"));
        assertEquals(token.getString("account_id"), body.getString("account_id"));
    }

    @Test
    void introspectNeedsAValidBearerToken() {
        assertFinchError(client.bearerGet("/introspect", "made-up"), 401, "invalid_token_error", null);
        assertFinchError(client.send(client.request("/introspect").header("Finch-API-Version", SimulatorClient.VERSION).GET().build()),
                401, "unauthorized_request_error", null);
    }

    @Test
    void disconnectEndsTheConnectionAndRevokesItsToken() {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());

        SimulatorClient.Reply reply = client.bearerPost("/disconnect", token.getString("access_token"));

        assertEquals(200, reply.status(), reply.body());
        assertEquals(new JsonObject().put("status", "success"), reply.json());
        assertFinchError(client.bearerGet("/introspect", token.getString("access_token")), 401, "invalid_token_error", null);
        JsonObject state = client.controlGet("/_control/connections/" + token.getString("connection_id")).json();
        assertEquals("disconnected", state.getString("status"));
        assertEquals(0, state.getInteger("active_access_tokens"));
    }

    @Test
    void companyAnswersForAConnectedConnectionAndAsksForReauthOtherwise() {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        String accessToken = token.getString("access_token");

        SimulatorClient.Reply company = client.bearerGet("/employer/company", accessToken);
        assertEquals(200, company.status(), company.body());
        assertEquals(token.getString("company_id"), company.json().getString("id"));
        assertEquals(token.getString("customer_name"), company.json().getString("legal_name"));

        client.controlPost("/_control/connections/" + token.getString("connection_id") + "/status",
                new JsonObject().put("status", "reauth"));
        SimulatorClient.Reply reauth = client.bearerGet("/employer/company", accessToken);

        assertEquals(401, reauth.status());
        assertEquals(new JsonObject().put("code", 401).put("name", "authentication_error")
                .put("finch_code", "reauthenticate_user").put("message", "Please reauthenticate user"), reauth.json());
    }

    @Test
    void controlStateShowsTheConnection() {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());

        JsonObject state = client.controlGet("/_control/connections/" + token.getString("connection_id")).json();

        assertEquals("connected", state.getString("status"));
        assertEquals(token.getString("company_id"), state.getString("company_id"));
        assertNull(state.getString("message"));
        assertEquals(404, client.controlGet("/_control/connections/unknown").status());
        assertEquals(404, client.controlGet("/_control/customers/unknown-" + UUID.randomUUID()).status());
    }

    private static String completeNewEmbeddedSession() {
        JsonObject body = SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId());
        body.remove("redirect_uri");
        String sessionId = client.basicPost("/connect/sessions", body).json().getString("session_id");
        return client.controlPost("/_control/sessions/" + sessionId + "/complete", null).json().getString("code");
    }

    private static String completeNewSession() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");
        return client.controlPost("/_control/sessions/" + sessionId + "/complete", null).json().getString("code");
    }
}
