package io.finchconnect.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.common.lifecycle.ShutdownSignal;
import io.finchconnect.reauth.ConnectionStatusService;
import io.finchconnect.reauth.FinchStatusCheck;
import io.finchconnect.reauth.ReauthSessionSweeper;
import io.finchconnect.simulator.FinchWebhookSigner;
import io.finchconnect.webhook.config.InboxConfig;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/** The inbox: intake, the processor's batching per connection, Finch outages, unknown connections, reconciliation, retention. */
@QuarkusTest
class InboxTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @Inject
    InboxRetention retention;

    @Inject
    Pool pool;

    @Inject
    FinchStatusCheck statusCheck;

    @Inject
    ConnectionStatusService statuses;

    @Inject
    ReauthSessionSweeper sweeper;

    @Inject
    InboxMetrics metrics;

    @Inject
    InboxConfig config;

    @Inject
    Vertx vertx;

    @Inject
    ShutdownSignal shutdown;

    @Inject
    CircuitBreakerMaintenance circuitBreakers;

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @AfterEach
    void finchBackToNormal() {
        Finch.everyRequest().clearFaults();
        circuitBreakers.resetAll();
    }

    @Test
    void aHundredWebhooksForOneConnectionInABurstAreAnsweredByOneIntrospection() {
        SimulatedConnection connection = SimulatedConnections.connected();
        Finch.setStatusUndelivered(connection.connectionId(), "reauth");
        // Another instance holds the connection while the burst arrives, so all of it waits for one round.
        Sql.update("INSERT INTO inbox_leases (connection_id, owner, leased_until) VALUES (?, 'other-instance', now() + interval '1 hour')",
                connection.connectionId());
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
            answers.add(CompletableFuture.supplyAsync(() -> signed(eventId, accountUpdated(connection.connectionId(), "reauth"))
                    .post("/v1/webhooks/finch").then().statusCode(200).extract().path("outcome")));
        }
        assertThat(answers.stream().map(CompletableFuture::join)).hasSize(100).containsOnly("accepted");
        assertThat(pending(connection.connectionId())).isEqualTo(100);
        Finch.aboutConnection(connection.connectionId()).resetRequests();

        Sql.update("DELETE FROM inbox_leases WHERE connection_id = ?", connection.connectionId());

        Awaitility.await().atMost(WAIT).until(() -> pending(connection.connectionId()) == 0);
        assertThat(introspections(List.of(connection))).as("one introspection for the whole burst").isEqualTo(1);
        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE connection_id = ? AND outcome = 'applied'",
                connection.connectionId())).isEqualTo(100);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("reauth");
        topic.eventsWithKey(WAIT, connection.connectionId(), 1);
        assertThat(transitionsOf(connection.connectionId(), Duration.ofSeconds(1))).extracting(Event::type)
                .containsExactly("finch.connection.reauth_needed");
    }

    @Test
    void threeProcessorsAtOnceWorkEachConnectionOnce() {
        // Two more processors beside the application's own, with owners of their own: three instances.
        InboxProcessor second = new InboxProcessor(pool, statusCheck, statuses, sweeper, metrics, config, vertx, shutdown);
        InboxProcessor third = new InboxProcessor(pool, statusCheck, statuses, sweeper, metrics, config, vertx, shutdown);
        List<SimulatedConnection> connections = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            SimulatedConnection connection = SimulatedConnections.connected();
            Finch.setStatusUndelivered(connection.connectionId(), "reauth");
            Sql.update("INSERT INTO inbox_leases (connection_id, owner, leased_until) VALUES (?, 'held', now() + interval '1 hour')",
                    connection.connectionId());
            connections.add(connection);
        }
        List<String> eventIds = new ArrayList<>();
        for (SimulatedConnection connection : connections) {
            for (int i = 0; i < 5; i++) {
                String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
                eventIds.add(eventId);
                signed(eventId, accountUpdated(connection.connectionId(), "reauth")).post("/v1/webhooks/finch").then().statusCode(200);
            }
        }
        // Slow answers keep each connection's work open long enough for the others to try it.
        for (SimulatedConnection connection : connections) {
            Finch.aboutConnection(connection.connectionId()).fault("introspect", Map.of("latency_ms", 400)).resetRequests();
        }
        Sql.update("DELETE FROM inbox_leases WHERE owner = 'held'");

        List<CompletableFuture<Void>> drains = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            drains.add(second.drain().subscribeAsCompletionStage());
            drains.add(third.drain().subscribeAsCompletionStage());
        }
        drains.forEach(CompletableFuture::join);
        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM incoming_events WHERE event_id = ANY(?) "
                + "AND state = 'done' AND outcome = 'applied'", (Object) eventIds.toArray(String[]::new)) == eventIds.size());
        assertThat(introspections(connections)).as("each connection introspected by one processor, once").isEqualTo(connections.size());
        for (SimulatedConnection connection : connections) {
            topic.eventsWithKey(WAIT, connection.connectionId(), 1);
        }
        List<Event> seen = topic.drain(Duration.ofSeconds(1));
        for (SimulatedConnection connection : connections) {
            assertThat(seen.stream().filter(e -> connection.connectionId().equals(e.key()) && !e.carriesReauthSession())
                    .map(Event::ceId).distinct()).hasSize(1);
        }
    }

    /**
     * A 401 at {@code /introspect} that is not in Finch's error shape (a proxy's HTML page) is not Finch's answer: the
     * hint waits as it would for Finch down, the connection is not disconnected, and Finch's own answer decides
     * once the proxy lets it through. It disconnected the connection for good.
     */
    @Test
    void aProxysHtml401AtIntrospectionIsFinchUnavailableNotADisconnect() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();
        Finch.setStatusUndelivered(connection.connectionId(), "reauth");
        Finch.aboutConnection(connection.connectionId()).fault("introspect", Map.of("status", 401, "not_finch", true));
        String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
        signed(eventId, accountUpdated(connection.connectionId(), "reauth")).post("/v1/webhooks/finch")
                .then().statusCode(200).body("outcome", equalTo("accepted"));

        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM incoming_events WHERE event_id = ? "
                + "AND state = 'pending' AND attempts >= 1", eventId) == 1);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("connected");

        Finch.aboutConnection(connection.connectionId()).clearFaults();
        circuitBreakers.resetAll();

        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM incoming_events WHERE event_id = ? "
                + "AND state = 'done' AND outcome = 'applied'", eventId) == 1);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("reauth");
        assertThat(topic.eventsWithKey(WAIT, connection.connectionId(), 1)).extracting(Event::type)
                .containsOnly("finch.connection.reauth_needed");
    }

    @Test
    void whileFinchIsDownEventsWaitAndAreAllProcessedOnceItIsBack() throws Exception {
        List<SimulatedConnection> connections = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            SimulatedConnection connection = SimulatedConnections.connected();
            Finch.setStatusUndelivered(connection.connectionId(), "reauth");
            connections.add(connection);
        }
        for (SimulatedConnection connection : connections) {
            Finch.aboutConnection(connection.connectionId()).fault("introspect", Map.of("status", 503));
        }
        List<String> eventIds = new ArrayList<>();
        for (SimulatedConnection connection : connections) {
            for (int i = 0; i < 4; i++) {
                String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
                eventIds.add(eventId);
                signed(eventId, accountUpdated(connection.connectionId(), "reauth")).post("/v1/webhooks/finch")
                        .then().statusCode(200).body("outcome", equalTo("accepted"));
            }
        }
        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM incoming_events WHERE event_id = ANY(?) "
                + "AND state = 'pending' AND attempts >= 1", (Object) eventIds.toArray(String[]::new)) == eventIds.size());
        for (SimulatedConnection connection : connections) {
            assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("connected");
        }

        for (SimulatedConnection connection : connections) {
            Finch.aboutConnection(connection.connectionId()).clearFaults();
        }
        circuitBreakers.resetAll();

        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM incoming_events WHERE event_id = ANY(?) "
                + "AND state = 'done'", (Object) eventIds.toArray(String[]::new)) == eventIds.size());
        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE event_id = ANY(?) AND outcome NOT IN ('applied', 'unchanged')",
                (Object) eventIds.toArray(String[]::new))).isZero();
        for (SimulatedConnection connection : connections) {
            assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("reauth");
            topic.eventsWithKey(WAIT, connection.connectionId(), 1);
        }
        List<Event> seen = topic.drain(Duration.ofSeconds(2));
        for (SimulatedConnection connection : connections) {
            assertThat(seen.stream().filter(e -> connection.connectionId().equals(e.key()) && !e.carriesReauthSession())
                    .map(Event::ceId).distinct()).as("one reauth_needed per connection, none lost, none doubled").hasSize(1);
        }
    }

    @Test
    void aWebhookRacingTheCallbackWaitsForItsConnection() {
        String customerId = "cust-" + UUID.randomUUID();
        String sessionId = Finch.createSession(Map.of("customer_id", customerId, "customer_name", "Acme",
                "products", new String[] { "company" }));
        Finch.Authorization authorized = Finch.completeSession(sessionId);
        String connectionId = authorized.connectionId();
        Finch.setStatusUndelivered(connectionId, "reauth");
        String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
        signed(eventId, accountUpdated(connectionId, "reauth")).post("/v1/webhooks/finch").then().statusCode(200)
                .body("outcome", equalTo("accepted"));
        Awaitility.await().atMost(WAIT).until(() -> Sql.count(
                "SELECT count(*) FROM incoming_events WHERE event_id = ? AND state = 'pending' AND attempts >= 1", eventId) == 1);

        given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("code", authorized.code(), "customer_id", customerId))
                .post("/v1/connect/authorizations").then().statusCode(201);

        Awaitility.await().atMost(WAIT).until(() -> "applied".equals(Sql.single(
                "SELECT outcome FROM incoming_events WHERE event_id = ?", eventId)));
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("reauth");
    }

    @Test
    void eventsForAConnectionThatNeverArrivesAreRecordedUnknownAfterABoundedTime() {
        String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
        signed(eventId, accountUpdated("conn-" + UUID.randomUUID(), "reauth")).post("/v1/webhooks/finch").then()
                .statusCode(200).body("outcome", equalTo("accepted"));
        // %test.inbox.unknown-connection-retry is a few seconds.
        Awaitility.await().atMost(WAIT).until(() -> "unknown_connection".equals(Sql.single(
                "SELECT outcome FROM incoming_events WHERE event_id = ?", eventId)));
        assertThat(Sql.single("SELECT state FROM incoming_events WHERE event_id = ?", eventId)).isEqualTo("done");
        assertThat(((Number) Sql.single("SELECT attempts FROM incoming_events WHERE event_id = ?", eventId)).intValue())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void aDroppedWebhookIsFoundByReconciliation() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();
        Finch.setStatusUndelivered(connection.connectionId(), "reauth");
        // The connection's turn comes (its due time within the interval), without any webhook.
        Sql.update("UPDATE connections SET reconcile_due_at = now() WHERE connection_id = ?", connection.connectionId());

        Awaitility.await().atMost(WAIT).until(() -> "reauth".equals(Sql.single(
                "SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())));
        Event event = topic.eventsWithKey(WAIT, connection.connectionId(), 1).get(0);
        assertThat(event.type()).isEqualTo("finch.connection.reauth_needed");
        JsonNode data = new ObjectMapper().readTree(event.value());
        assertThat(data.get("reason").asText()).isEqualTo("reconciled");
        assertThat(Sql.single("SELECT channel FROM incoming_events WHERE event_id = ?", data.get("source_event_id").asText()))
                .isEqualTo("reconcile");
        assertThat(Sql.single("SELECT reconcile_due_at > now() + interval '23 hours' FROM connections WHERE connection_id = ?",
                connection.connectionId())).as("next turn one interval later").isEqualTo(true);
    }

    @Test
    void errorStatusesNeedTheEmployerBackAndConnectedAfterThemIsAReauthentication() throws Exception {
        for (String status : List.of("error_permissions", "error_no_account_setup")) {
            SimulatedConnection connection = SimulatedConnections.connected();
            assertThat(Finch.setStatus(connection.connectionId(), status).getInt("delivery_status")).isEqualTo(200);
            topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connection.connectionId().equals(e.key()) && e.carriesReauthSession()));
            Event needed = transitionsOf(connection.connectionId(), Duration.ZERO).get(0);
            assertThat(needed.type()).isEqualTo("finch.connection.reauth_needed");
            assertThat(new ObjectMapper().readTree(needed.value()).get("reason").asText()).isEqualTo(status);
            assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connection.connectionId())).isEqualTo(1);

            assertThat(Finch.setStatus(connection.connectionId(), "connected").getInt("delivery_status")).isEqualTo(200);
            topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connection.connectionId().equals(e.key())
                    && "finch.connection.reauthenticated".equals(e.type())));
        }
    }

    @Test
    void disconnectedIsFinal() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();
        assertThat(Finch.setStatus(connection.connectionId(), "disconnected").getInt("delivery_status")).isEqualTo(200);
        Awaitility.await().atMost(WAIT).until(() -> "disconnected".equals(Sql.single(
                "SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())));
        Event event = topic.eventsWithKey(WAIT, connection.connectionId(), 1).get(0);
        assertThat(event.type()).isEqualTo("finch.connection.disconnected");
        JsonNode data = new ObjectMapper().readTree(event.value());
        assertThat(data.get("by").asText()).isEqualTo("finch");
        assertThat(data.has("entity_ids")).isTrue();
        // A report afterwards changes nothing: Finch no longer knows the token, and disconnected stays.
        given().auth().oauth2(TestStack.get().jwt().token("connections:report"))
                .post("/v1/connections/" + connection.connectionId() + "/reauth-required").then().statusCode(200);
        Awaitility.await().atMost(WAIT).until(() -> pending(connection.connectionId()) == 0);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("disconnected");
        assertThat(transitionsOf(connection.connectionId(), Duration.ofSeconds(1))).hasSize(1);
    }

    @Test
    void handledEventsAreDeletedAfterTheRetentionAndPendingOnesAreKept() {
        String old = "msg_old_" + UUID.randomUUID();
        String recent = "msg_recent_" + UUID.randomUUID();
        String waiting = "msg_waiting_" + UUID.randomUUID();
        Sql.update("INSERT INTO incoming_events (event_id, channel, outcome, state, received_at) VALUES "
                + "(?, 'http', 'ignored', 'done', now() - interval '8 days'), (?, 'http', 'ignored', 'done', now() - interval '6 days'), "
                + "(?, 'http', 'accepted', 'pending', now() - interval '8 days')", old, recent, waiting);
        // Keep the waiting one out of the processor's way: it has no connection and is only here to be kept.
        Sql.update("UPDATE incoming_events SET next_attempt_at = now() + interval '1 day' WHERE event_id = ?", waiting);

        retention.deleteExpired().await().atMost(Duration.ofSeconds(30));

        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE event_id = ?", old)).isZero();
        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE event_id IN (?, ?)", recent, waiting)).isEqualTo(2);
        Sql.update("DELETE FROM incoming_events WHERE event_id = ?", waiting);
    }

    private static long pending(String connectionId) {
        return Sql.count("SELECT count(*) FROM incoming_events WHERE connection_id = ? AND state = 'pending'", connectionId);
    }

    /** The introspections of these connections only: another test's sweep may introspect meanwhile. */
    private static long introspections(List<SimulatedConnection> connections) {
        return connections.stream().mapToLong(c -> Finch.aboutConnection(c.connectionId()).requests("introspect")).sum();
    }

    private static List<Event> transitionsOf(String connectionId, Duration settle) {
        return topic.drain(settle).stream().filter(e -> connectionId.equals(e.key()) && !e.carriesReauthSession()).toList();
    }

    private static RequestSpecification signed(String eventId, String body) {
        String secret = TestStack.get().config().get("finch.webhook-secrets");
        long timestamp = Instant.now().getEpochSecond();
        return given().header("Finch-Event-Id", eventId).header("Finch-Timestamp", String.valueOf(timestamp))
                .header("Finch-Signature", FinchWebhookSigner.sign(secret, eventId, timestamp, body))
                .contentType("application/json").body(body.getBytes(StandardCharsets.UTF_8));
    }

    private static String accountUpdated(String connectionId, String status) {
        return """
                {"connection_id":"%s","company_id":null,"account_id":null,"entity_id":null,"event_type":"account.updated",\
                "data":{"status":"%s","authentication_method":"credential"}}""".formatted(connectionId, status);
    }
}
