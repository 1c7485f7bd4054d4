package io.finchconnect.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.simulator.FinchWebhookSigner;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

@QuarkusTest
class FinchWebhookTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @Test
    void reauthFromFinchMovesTheConnectionAndAnnouncesItOnceEvenWhenDeliveredTwice() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();

        JsonPath delivery = Finch.setStatus(connection.connectionId(), "reauth");
        assertThat(delivery.getInt("delivery_status")).isEqualTo(200);
        String eventId = delivery.getString("event_id");
        assertThat(Finch.redeliver(eventId).getInt("delivery_status")).isEqualTo(200);

        awaitOutcome(eventId, "applied");
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("reauth");
        assertThat(Sql.single("SELECT reauth_episode FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo(1);
        topic.eventsWithKey(WAIT, connection.connectionId(), 1);
        List<Event> transitions = transitionsOf(connection.connectionId(), Duration.ofSeconds(1));
        assertThat(transitions).as("one transition event for two deliveries").hasSize(1);
        Event event = transitions.get(0);
        assertThat(event.headers()).containsEntry("ce_type", "finch.connection.reauth_needed")
                .containsEntry("ce_subject", connection.connectionId());
        JsonNode data = new ObjectMapper().readTree(event.value());
        assertThat(data.get("connection_id").asText()).isEqualTo(connection.connectionId());
        assertThat(data.get("customer_id").asText()).isEqualTo(connection.customerId());
        assertThat(data.get("company_id").asText()).isEqualTo(connection.companyId());
        assertThat(data.get("provider_id").asText()).isEqualTo(connection.providerId());
        assertThat(data.get("source_event_id").asText()).isEqualTo(eventId);
        assertThat(data.hasNonNull("detected_at")).isTrue();
    }

    @Test
    void concurrentDeliveriesOfOneEventHaveOneEffect() {
        SimulatedConnection connection = SimulatedConnections.connected();
        Finch.setStatusUndelivered(connection.connectionId(), "disconnected");
        String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
        String body = accountUpdated(connection.connectionId(), "disconnected");

        List<CompletableFuture<Response>> deliveries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            deliveries.add(CompletableFuture.supplyAsync(() -> signed(eventId, Instant.now(), body).post("/v1/webhooks/finch")));
        }
        List<String> outcomes = deliveries.stream().map(CompletableFuture::join)
                .peek(response -> assertThat(response.statusCode()).isEqualTo(200))
                .map(response -> response.jsonPath().getString("outcome")).toList();

        assertThat(outcomes).containsOnlyOnce("accepted").filteredOn("duplicate"::equals).hasSize(9);
        List<Event> events = topic.eventsWithKey(WAIT, connection.connectionId(), 1);
        assertThat(events).extracting(e -> e.headers().get("ce_type")).containsExactly("finch.connection.disconnected");
        assertThat(topic.drain(Duration.ofMillis(500)).stream().filter(e -> connection.connectionId().equals(e.key()))).hasSize(1);
    }

    @Test
    void aReauthSignedInTheSecondTheConnectionWasEstablishedYieldsReauthNeededAndASession() {
        String customerId = "cust-" + UUID.randomUUID();
        String connectionId = SimulatedConnections.establishedThroughTheService(customerId);
        Instant establishedAt = ((java.sql.Timestamp) Sql.single(
                "SELECT status_changed_at FROM connections WHERE connection_id = ?", connectionId)).toInstant();
        String eventId = Finch.setStatusUndelivered(connectionId, "reauth");

        // Finch-Timestamp is whole seconds: a webhook signed in the same second reads as older than the connection.
        deliver(eventId, Instant.ofEpochSecond(establishedAt.getEpochSecond()), accountUpdated(connectionId, "reauth"), "accepted");
        awaitOutcome(eventId, "applied");

        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("reauth");
        topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connectionId.equals(e.key()) && e.carriesReauthSession()));
        assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connectionId)).isEqualTo(1);
        assertThat(transitionsOf(connectionId, Duration.ofMillis(500))).extracting(Event::type)
                .containsExactly("finch.connection.established", "finch.connection.reauth_needed");
    }

    @Test
    void anOldReauthDeliveredLateAfterFinchIsConnectedAgainChangesNothing() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String old = Finch.setStatusUndelivered(connection.connectionId(), "reauth");
        JsonPath connected = Finch.setStatus(connection.connectionId(), "connected");
        assertThat(connected.getInt("delivery_status")).isEqualTo(200);

        // Finch retries the failed first delivery, signed anew: newer by its timestamp, older in truth.
        assertThat(Finch.redeliver(old).getInt("delivery_status")).isEqualTo(200);

        awaitOutcome(old, "unchanged");
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("connected");
        assertThat(Sql.single("SELECT reauth_episode FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo(0);
        assertThat(topic.drain(Duration.ofSeconds(3)).stream().filter(e -> connection.connectionId().equals(e.key())))
                .as("no event: Finch says the connection is connected").isEmpty();
    }

    /**
     * Finch says connected after reauth, directly or by way of pending or processing while the employer works in
     * Connect: the episode closes with one reauthenticated (by way of pending, nothing was announced before the fix).
     */
    @ParameterizedTest
    @ValueSource(strings = { "reauth,connected", "reauth,pending,connected", "reauth,processing,connected" })
    void connectedAtFinchAfterReauthIsAReauthenticationWhateverTheWay(String statuses) {
        SimulatedConnection connection = SimulatedConnections.connected();
        for (String status : statuses.split(",")) {
            assertThat(Finch.setStatus(connection.connectionId(), status).getInt("delivery_status")).isEqualTo(200);
            awaitStatus(connection.connectionId(), status);
        }

        topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connection.connectionId().equals(e.key())
                && "finch.connection.reauthenticated".equals(e.type())));
        assertThat(transitionsOf(connection.connectionId(), Duration.ofMillis(500))).extracting(Event::type)
                .containsExactly("finch.connection.reauth_needed", "finch.connection.reauthenticated");
    }

    @Test
    void aReportedStatusFinchDoesNotConfirmChangesNothing() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String eventId = "msg_" + UUID.randomUUID();
        deliver(eventId, Instant.now(), accountUpdated(connection.connectionId(), "reauth"), "accepted");
        String reportId = given().auth().oauth2(TestStack.get().jwt().token("connections:report"))
                .post("/v1/connections/" + connection.connectionId() + "/reauth-required").then().statusCode(200)
                .body("outcome", equalTo("accepted")).extract().path("report_id");
        awaitOutcome(eventId, "unchanged");
        awaitOutcome(reportId, "unchanged");

        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("connected");
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(e -> connection.connectionId().equals(e.key()))).isEmpty();
    }

    @Test
    void unknownConnectionsAndIrrelevantEventsAreRecordedWithoutAnEvent() {
        String unknown = "conn-" + UUID.randomUUID();
        String first = "msg_" + UUID.randomUUID();
        deliver(first, Instant.now(), accountUpdated(unknown, "reauth"), "accepted");
        SimulatedConnection connection = SimulatedConnections.connected();
        String second = "msg_" + UUID.randomUUID();
        deliver(second, Instant.now(), """
                {"connection_id":"%s","event_type":"job.benefit_create.completed","data":{"job_id":"j1"}}"""
                .formatted(connection.connectionId()), "accepted");

        awaitOutcome(first, "unknown_connection");
        assertThat(Sql.single("SELECT outcome FROM incoming_events WHERE event_id = ?", second)).isEqualTo("ignored");
        assertThat(topic.drain(Duration.ofSeconds(1)).stream().filter(e -> unknown.equals(e.key())
                || connection.connectionId().equals(e.key()))).isEmpty();
    }

    @Test
    void anAuthenticButUnreadableBodyIsRecordedAsRejectedSoFinchStopsRetrying() {
        String eventId = "msg_" + UUID.randomUUID();
        deliver(eventId, Instant.now(), "{not json", "rejected");
        assertThat(Sql.single("SELECT outcome FROM incoming_events WHERE event_id = ?", eventId)).isEqualTo("rejected");
        // JSON, but no event (null), or ids PostgreSQL cannot store (NUL): rejected the same way, not a 500.
        String nothing = "msg_" + UUID.randomUUID();
        deliver(nothing, Instant.now(), "null", "rejected");
        String nul = "msg_" + UUID.randomUUID();
        deliver(nul, Instant.now(), "{\"connection_id\":\"c\\u0000\",\"data\":{\"status\":\"reauth\"}}", "rejected");
        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE event_id IN (?, ?) AND outcome = 'rejected'", nothing, nul))
                .isEqualTo(2);
    }

    @Test
    void badSignaturesAndTimestampsAreRefusedAndNothingIsStored() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String body = accountUpdated(connection.connectionId(), "reauth");
        String forged = "msg_" + UUID.randomUUID();
        given().header("Finch-Event-Id", forged).header("Finch-Timestamp", String.valueOf(Instant.now().getEpochSecond()))
                .header("Finch-Signature", FinchWebhookSigner.sign("b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC1vdGhlci0=", forged,
                        Instant.now().getEpochSecond(), body))
                .contentType("application/json").body(body).post("/v1/webhooks/finch")
                .then().statusCode(401).contentType("application/problem+json");
        String stale = "msg_" + UUID.randomUUID();
        signed(stale, Instant.now().minusSeconds(360), body).post("/v1/webhooks/finch").then().statusCode(401);
        String future = "msg_" + UUID.randomUUID();
        signed(future, Instant.now().plusSeconds(360), body).post("/v1/webhooks/finch").then().statusCode(401);
        given().contentType("application/json").body(body).post("/v1/webhooks/finch").then().statusCode(401);

        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE event_id IN (?, ?, ?)", forged, stale, future)).isZero();
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("connected");
    }

    @Test
    void servicesReportReauthenticateUserWithTheirOwnRole() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String path = "/v1/connections/" + connection.connectionId() + "/reauth-required";
        given().post(path).then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2(TestStack.get().jwt().token("connections:read")).post(path).then().statusCode(403);
        String unknown = "nope-" + UUID.randomUUID();
        given().auth().oauth2(TestStack.get().jwt().token("connections:report")).post("/v1/connections/" + unknown
                + "/reauth-required").then().statusCode(404).contentType("application/problem+json");
        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE connection_id = ?", unknown))
                .as("a refused report is not recorded").isZero();

        Finch.setStatusUndelivered(connection.connectionId(), "reauth");
        given().auth().oauth2(TestStack.get().jwt().token("connections:report")).post(path).then().statusCode(200)
                .body("status", equalTo("reauth")).body("outcome", equalTo("accepted"));

        awaitStatus(connection.connectionId(), "reauth");
        topic.eventsWithKey(WAIT, connection.connectionId(), 1);
        assertThat(transitionsOf(connection.connectionId(), Duration.ofMillis(500))).extracting(Event::type)
                .containsExactly("finch.connection.reauth_needed");
    }

    private static void awaitOutcome(String eventId, String outcome) {
        Awaitility.await().atMost(WAIT).until(() -> outcome.equals(Sql.single(
                "SELECT outcome FROM incoming_events WHERE event_id = ?", eventId)));
    }

    private static void awaitStatus(String connectionId, String status) {
        Awaitility.await().atMost(WAIT).until(() -> status.equals(Sql.single(
                "SELECT status FROM connections WHERE connection_id = ?", connectionId)));
    }

    /** The events of a connection's transitions, leaving out the follow-ups that carry a reauth session. */
    private static List<Event> transitionsOf(String connectionId, Duration settle) {
        return topic.drain(settle).stream().filter(e -> connectionId.equals(e.key()) && !e.carriesReauthSession()).toList();
    }

    private static void deliver(String eventId, Instant at, String body, String outcome) {
        signed(eventId, at, body).post("/v1/webhooks/finch").then().statusCode(200).body("outcome", equalTo(outcome));
    }

    private static io.restassured.specification.RequestSpecification signed(String eventId, Instant at, String body) {
        String secret = TestStack.get().config().get("finch.webhook-secrets");
        long timestamp = at.getEpochSecond();
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
