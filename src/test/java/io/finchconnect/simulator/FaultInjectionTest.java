package io.finchconnect.simulator;

import static io.finchconnect.simulator.ConnectSessionsTest.assertFinchError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
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
    void invalidFaultsAreRejected() {
        assertEquals(404, putFault("payroll", new JsonObject().put("status", 500)).status());
        assertEquals(400, putFault("introspect", new JsonObject().put("status", 404)).status());
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

    private static JsonObject requestCounts() {
        return client.controlGet("/_control/requests").json();
    }
}
