package io.finchconnect.simulator;

import static io.finchconnect.simulator.ConnectSessionsTest.assertFinchError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {

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

    @AfterEach
    void clearFaults() {
        client.send(client.request("/_control/faults").DELETE().build());
        client.send(client.request("/_control/requests").DELETE().build());
    }

    @Test
    void latencyDelaysTheAnswer() {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        fault("introspect", new JsonObject().put("latency_ms", 400));

        long started = System.nanoTime();
        SimulatorClient.Reply reply = client.bearerGet("/introspect", token.getString("access_token"));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(200, reply.status(), reply.body());
        assertTrue(elapsedMs >= 350, "took " + elapsedMs + " ms");
    }

    @Test
    void anAnswerLostAfterProcessingIsA5xxWhileFinchDidTheWork() {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        String connectionId = token.getString("connection_id");
        fault("disconnect", new JsonObject().put("status", 502).put("after_processing", true).put("times", 1));

        SimulatorClient.Reply reply = client.bearerPost("/disconnect", token.getString("access_token"));

        assertEquals(502, reply.status(), reply.body());
        assertEquals("disconnected", client.controlGet("/_control/connections/" + connectionId).json().getString("status"));
        assertEquals(400, putFault("disconnect", new JsonObject().put("status", 429).put("after_processing", true)).status());
        assertEquals(400, putFault("disconnect", new JsonObject().put("hold_answer", true).put("after_processing", true)).status());
    }

    @Test
    void aSessionShowsWhetherItsLinkStillOpensConnect() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");
        JsonObject session = client.controlGet("/_control/sessions/" + sessionId).json();
        assertEquals("staged", session.getString("kind"));
        assertTrue(session.getBoolean("usable"));

        client.controlPost("/_control/sessions/" + sessionId + "/complete", new JsonObject());

        assertFalse(client.controlGet("/_control/sessions/" + sessionId).json().getBoolean("usable"));
        assertEquals(404, client.controlGet("/_control/sessions/no-such-session").status());
    }

    @Test
    void aHeldAnswerIsFinchsAnswerAsItStoodWhenTheRequestArrivedSentOnRelease() throws Exception {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        String connectionId = token.getString("connection_id");
        fault("introspect", new JsonObject().put("hold_answer", true).put("times", 1));

        CompletableFuture<SimulatorClient.Reply> held = CompletableFuture.supplyAsync(
                () -> client.bearerGet("/introspect", token.getString("access_token")));
        Awaitility.await("the answer held").atMost(Duration.ofSeconds(5))
                .until(() -> client.controlGet("/_control/held-answers").json().getInteger("held") == 1);
        SimulatorClient.Reply changed = client.controlPost("/_control/connections/" + connectionId + "/status",
                new JsonObject().put("status", "reauth").put("delivery", "drop"));
        assertTrue(changed.status() < 300, changed.body());
        assertFalse(held.isDone(), "held until released");
        assertEquals(1, client.controlPost("/_control/held-answers/release", null).json().getInteger("released"));
        SimulatorClient.Reply reply = held.get(10, TimeUnit.SECONDS);

        assertEquals(200, reply.status(), reply.body());
        assertEquals("connected", reply.json().getJsonObject("connection_status").getString("status"),
                "Finch's answer when asked, not when sent");
        assertEquals("reauth", client.bearerGet("/introspect", token.getString("access_token")).json()
                .getJsonObject("connection_status").getString("status"), "the next answer is not held");
        assertEquals(400, putFault("introspect", new JsonObject().put("hold_answer", true).put("status", 503)).status());
    }

    @Test
    void rateLimitAnswersWithRetryAfter() {
        fault("connect.sessions", new JsonObject().put("status", 429).put("retry_after_seconds", 7).put("times", 1));

        SimulatorClient.Reply limited = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()));
        SimulatorClient.Reply next = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()));

        assertFinchError(limited, 429, "rate_limit_exceeded_error", "finch_application_rl");
        assertEquals("7", limited.header("Retry-After"));
        assertEquals(201, next.status());
    }

    @Test
    void serverErrorsCarryFinchBodies() {
        fault("employer.company", new JsonObject().put("status", 500));
        fault("disconnect", new JsonObject().put("status", 502));
        fault("connect.sessions.reauthenticate", new JsonObject().put("status", 503).put("retry_after_seconds", 2));

        assertFinchError(client.bearerGet("/employer/company", "any"), 500, "server_error", null);
        assertFinchError(client.bearerPost("/disconnect", "any"), 502, "bad_gateway_error", null);
        SimulatorClient.Reply unavailable = client.basicPost("/connect/sessions/reauthenticate", new JsonObject().put("connection_id", "x"));
        assertFinchError(unavailable, 503, "server_error", null);
        assertEquals("2", unavailable.header("Retry-After"));
    }

    @Test
    void resetClosesTheConnectionWithoutAnAnswer() {
        fault("auth.token", new JsonObject().put("reset", true).put("times", 1));
        HttpRequest exchange = client.finchPost("/auth/token", new JsonObject().put("code", "x"))
                .header("Authorization", SimulatorClient.basicHeader("sim-client-id", "sim-client-secret")).build();

        assertThrows(IOException.class, () -> new SimulatorClient(simulator).sendOrThrow(exchange));
        assertFinchError(client.send(exchange), 400, "invalid_grant_error", null);
        assertEquals(2L, requestCounts().getLong("auth.token"));
    }

    @Test
    void timesLimitsHowManyRequestsAreAffected() {
        fault("auth.token", new JsonObject().put("status", 500).put("times", 2));

        int first = client.exchange("x").status();
        int second = client.exchange("x").status();
        int third = client.exchange("x").status();

        assertEquals(500, first);
        assertEquals(500, second);
        assertEquals(400, third);
        assertEquals(3L, requestCounts().getLong("auth.token"));
    }

    @Test
    void faultsLastUntilClearedWithoutTimes() {
        fault("introspect", new JsonObject().put("status", 503));

        for (int i = 0; i < 3; i++) {
            assertEquals(503, client.bearerGet("/introspect", "any").status());
        }
        client.send(client.request("/_control/faults").DELETE().build());
        assertEquals(401, client.bearerGet("/introspect", "any").status());
    }

    @Test
    void requestCountsArePerEndpointAndResettable() {
        client.connect(SimulatorClient.uniqueCustomerId());

        JsonObject counts = requestCounts();
        assertEquals(1L, counts.getLong("connect.sessions"));
        assertEquals(1L, counts.getLong("auth.token"));
        assertTrue(!counts.containsKey("introspect"));

        client.send(client.request("/_control/requests").DELETE().build());
        assertEquals(new JsonObject(), requestCounts());
    }

    @Test
    void thePeakOfRequestsInFlightCountsThoseHeldAtOnce() throws Exception {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        fault("introspect", new JsonObject().put("latency_ms", 500));

        ExecutorService callers = Executors.newFixedThreadPool(6);
        try {
            List<Future<SimulatorClient.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                replies.add(callers.submit(() -> client.bearerGet("/introspect", token.getString("access_token"))));
            }
            for (Future<SimulatorClient.Reply> reply : replies) {
                assertEquals(200, reply.get().status());
            }
        } finally {
            callers.shutdownNow();
        }
        client.bearerGet("/introspect", token.getString("access_token"));

        JsonObject peaks = client.controlGet("/_control/requests/peaks").json();
        assertEquals(6L, peaks.getLong("introspect"), peaks.encode());
        assertEquals(1L, peaks.getLong("auth.token"), peaks.encode());
        client.send(client.request("/_control/requests").DELETE().build());
        assertEquals(new JsonObject(), client.controlGet("/_control/requests/peaks").json());
    }

    @Test
    void aConnectionsFaultMeetsOnlyRequestsAboutThatConnection() {
        JsonObject faulted = client.connect(SimulatorClient.uniqueCustomerId());
        JsonObject other = client.connect(SimulatorClient.uniqueCustomerId());
        fault("introspect", new JsonObject().put("status", 503).put("times", 1)
                .put("connection_id", faulted.getString("connection_id")));

        assertEquals(200, client.bearerGet("/introspect", other.getString("access_token")).status());
        assertEquals(503, client.bearerGet("/introspect", faulted.getString("access_token")).status());
        assertEquals(200, client.bearerGet("/introspect", faulted.getString("access_token")).status());
    }

    @Test
    void aCustomersFaultMeetsItsSessionsCodesAndConnection() {
        String customerId = SimulatorClient.uniqueCustomerId();
        fault("connect.sessions", new JsonObject().put("status", 500).put("customer_id", customerId));
        fault("auth.token", new JsonObject().put("status", 502).put("times", 1).put("customer_id", customerId));

        assertEquals(201, client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId())).status());
        assertFinchError(client.basicPost("/connect/sessions", SimulatorClient.sessionBody(customerId)), 500, "server_error", null);
        client.send(client.request("/_control/faults?customer_id=" + customerId).DELETE().build());
        SimulatorClient.Reply session = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(customerId));
        assertEquals(201, session.status(), session.body());
        fault("auth.token", new JsonObject().put("status", 502).put("times", 1).put("customer_id", customerId));
        String code = client.controlPost("/_control/sessions/" + session.json().getString("session_id") + "/complete", null)
                .json().getString("code");

        assertFinchError(client.exchange(code), 502, "bad_gateway_error", null);
        assertEquals(200, client.exchange(code).status());
    }

    @Test
    void aScopedFaultComesBeforeTheEndpointsFaultForEveryRequest() {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        fault("introspect", new JsonObject().put("status", 500));
        fault("introspect", new JsonObject().put("status", 502).put("times", 1).put("connection_id", token.getString("connection_id")));

        assertEquals(502, client.bearerGet("/introspect", token.getString("access_token")).status());
        assertEquals(500, client.bearerGet("/introspect", token.getString("access_token")).status());
        assertEquals(500, client.bearerGet("/introspect", "any").status());
    }

    @Test
    void clearingAScopeLeavesOtherFaults() {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        fault("introspect", new JsonObject().put("status", 503).put("connection_id", token.getString("connection_id")));
        fault("employer.company", new JsonObject().put("status", 500));

        client.send(client.request("/_control/faults?connection_id=" + token.getString("connection_id")).DELETE().build());

        assertEquals(200, client.bearerGet("/introspect", token.getString("access_token")).status());
        assertEquals(500, client.bearerGet("/employer/company", token.getString("access_token")).status());
    }

    @Test
    void requestCountsPerConnectionAndCustomer() {
        String customerId = SimulatorClient.uniqueCustomerId();
        JsonObject token = client.connect(customerId);
        String connectionId = token.getString("connection_id");
        client.connect(SimulatorClient.uniqueCustomerId());
        client.bearerGet("/introspect", token.getString("access_token"));
        client.bearerGet("/introspect", "unknown-token");
        client.basicPost("/connect/sessions/reauthenticate", new JsonObject().put("connection_id", connectionId));

        assertEquals(Map.of("auth.token", 1L, "connect.sessions.reauthenticate", 1L, "introspect", 1L),
                counts(client.controlGet("/_control/requests?connection_id=" + connectionId).json()));
        assertEquals(Map.of("auth.token", 1L, "connect.sessions", 1L, "connect.sessions.reauthenticate", 1L, "introspect", 1L),
                counts(client.controlGet("/_control/requests?customer_id=" + customerId).json()));
        assertEquals(2L, requestCounts().getLong("introspect"));
        assertEquals(2L, requestCounts().getLong("connect.sessions"));

        client.send(client.request("/_control/requests?connection_id=" + connectionId).DELETE().build());
        assertEquals(new JsonObject(), client.controlGet("/_control/requests?connection_id=" + connectionId).json());
        assertEquals(1L, client.controlGet("/_control/requests?customer_id=" + customerId).json().getLong("introspect"));
        assertEquals(2L, requestCounts().getLong("introspect"));
    }

    @Test
    void spentCodesAndRevokedTokensAreStillAboutTheirConnection() {
        String customerId = SimulatorClient.uniqueCustomerId();
        SimulatorClient.Reply session = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(customerId));
        String code = client.controlPost("/_control/sessions/" + session.json().getString("session_id") + "/complete", null)
                .json().getString("code");
        JsonObject token = client.exchange(code).json();
        String connectionId = token.getString("connection_id");

        assertFinchError(client.exchange(code), 400, "invalid_grant_error", null);
        assertEquals(200, client.bearerPost("/disconnect", token.getString("access_token")).status());
        assertEquals(401, client.bearerPost("/disconnect", token.getString("access_token")).status());

        assertEquals(Map.of("auth.token", 2L, "disconnect", 2L),
                counts(client.controlGet("/_control/requests?connection_id=" + connectionId).json()));
    }

    @Test
    void unreadableRequestsAreCountedForEveryRequestOnlyAndStillRefused() {
        fault("connect.sessions", new JsonObject().put("status", 500).put("customer_id", "cust-x"));

        SimulatorClient.Reply notJson = client.send(client.finchPost("/connect/sessions", new JsonObject())
                .POST(HttpRequest.BodyPublishers.ofString("{\"customer_id\":\"cust-x\""))
                .header("Authorization", SimulatorClient.basicHeader("sim-client-id", "sim-client-secret")).build());

        assertEquals(400, notJson.status(), notJson.body());
        assertEquals(1L, requestCounts().getLong("connect.sessions"));
        assertEquals(new JsonObject(), client.controlGet("/_control/requests?customer_id=cust-x").json());
    }

    @Test
    void invalidScopesAreRejected() {
        assertEquals(400, putFault("introspect", new JsonObject().put("status", 500).put("connection_id", "a")
                .put("customer_id", "b")).status());
        assertEquals(400, putFault("introspect", new JsonObject().put("status", 500).put("connection_id", 7)).status());
        assertEquals(400, putFault("introspect", new JsonObject().put("status", 500).put("customer_id", " ")).status());
        assertEquals(400, client.controlGet("/_control/requests?connection_id=a&customer_id=b").status());
        assertEquals(400, client.send(client.request("/_control/faults?connection_id=").DELETE().build()).status());
        assertEquals(new JsonObject(), requestCounts());
    }

    @Test
    void invalidFaultsAreRejected() {
        assertEquals(404, putFault("payroll", new JsonObject().put("status", 500)).status());
        assertEquals(400, putFault("introspect", new JsonObject().put("status", 403)).status());
        assertEquals(400, putFault("introspect", new JsonObject().put("status", 500).put("retry_after_seconds", 3)).status());
        assertEquals(400, putFault("introspect", new JsonObject().put("times", 0)).status());
        assertEquals(400, putFault("introspect", new JsonObject().put("status", "500")).status());
    }

    private static void fault(String endpoint, JsonObject body) {
        SimulatorClient.Reply reply = putFault(endpoint, body);
        assertEquals(200, reply.status(), reply.body());
    }

    private static SimulatorClient.Reply putFault(String endpoint, JsonObject body) {
        return client.send(client.request("/_control/faults/" + endpoint).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.encode())).build());
    }

    private static Map<String, Long> counts(JsonObject json) {
        Map<String, Long> counts = new HashMap<>();
        json.fieldNames().forEach(endpoint -> counts.put(endpoint, json.getLong(endpoint)));
        return counts;
    }

    private static JsonObject requestCounts() {
        return client.controlGet("/_control/requests").json();
    }
}
