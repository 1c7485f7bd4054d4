package io.finchconnect.connection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.PatientFinchProfile;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * An operator disconnects a connection (or some of its entities) at Finch: the simulator ends it, the service
 * records it and announces it once with {@code by: operator}, even though Finch's account.updated follows.
 */
@QuarkusTest
@TestProfile(PatientFinchProfile.class)
class OperatorDisconnectTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String DISCONNECTED = "finch.connection.disconnected";

    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @Inject
    CircuitBreakerMaintenance circuitBreakers;

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @AfterEach
    void finchBackToNormal() {
        circuitBreakers.resetAll();
    }

    @Test
    void disconnectsAtFinchAnnouncesItOnceByOperatorAndARepeatChangesNothing() {
        String customerId = "cust-" + UUID.randomUUID();
        String connectionId = SimulatedConnections.establishedThroughTheService(customerId);
        long finchCallsBefore = finchRequests(connectionId, "disconnect");

        disconnect(connectionId, null).statusCode(200).body("status", equalTo("disconnected"))
                .body("connection_id", equalTo(connectionId)).body("customer_id", equalTo(customerId));

        assertThat(Finch.connection(connectionId).getString("status")).isEqualTo("disconnected");
        Event event = disconnectedEvents(connectionId, 1).get(0);
        JsonPath data = JsonPath.from(event.value());
        assertThat(data.getString("by")).isEqualTo("operator");
        assertThat(data.getString("customer_id")).isEqualTo(customerId);
        assertThat(data.getString("disconnected_at")).isNotNull();
        assertThat(data.getList("entity_ids")).hasSize(1);
        // Finch's account.updated for the disconnect is processed, and announces nothing more.
        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM incoming_events WHERE connection_id = ? "
                + "AND state = 'done'", connectionId) >= 1);

        disconnect(connectionId, null).statusCode(200).body("status", equalTo("disconnected"));
        disconnect(connectionId, "{\"entity_ids\": null}").statusCode(200).body("status", equalTo("disconnected"));

        assertThat(finchRequests(connectionId, "disconnect") - finchCallsBefore).as("Finch called once").isEqualTo(1);
        assertThat(distinctDisconnected(topic.drain(Duration.ofSeconds(5)), connectionId)).hasSize(1);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("disconnected");
    }

    @Test
    void removesOneEntityOfATwoEntityConnectionThenTheOther() {
        String customerId = "cust-" + UUID.randomUUID();
        String connectionId = twoEntityConnection(customerId);
        List<Object> entities = Sql.column("SELECT unnest(entity_ids) FROM connections WHERE connection_id = ?", connectionId);
        assertThat(entities).hasSize(2);
        String first = (String) entities.get(0);
        String second = (String) entities.get(1);
        long finchCallsBefore = finchRequests(connectionId, "disconnect.entity");

        String body = "{\"entity_ids\": [\"" + first + "\"]}";
        disconnect(connectionId, body).statusCode(200).body("status", equalTo("connected"))
                .body("entity_ids", contains(second)).body("disconnected_entity_ids", contains(first));
        Event removed = disconnectedEvents(connectionId, 1).get(0);
        assertThat(JsonPath.from(removed.value()).getString("by")).isEqualTo("operator");
        assertThat(JsonPath.from(removed.value()).getList("entity_ids")).containsExactly(first);
        List<Map<String, Object>> atFinch = Finch.connection(connectionId).getList("entities");
        assertThat(atFinch).anySatisfy(e -> assertThat(e).containsEntry("id", first).containsEntry("status", "disconnected"))
                .anySatisfy(e -> assertThat(e).containsEntry("id", second).containsEntry("status", "connected"));
        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM incoming_events WHERE connection_id = ? "
                + "AND state = 'done'", connectionId) >= 1);

        // The same request again: the same outcome, no Finch call (Finch would refuse it), no event.
        disconnect(connectionId, body).statusCode(200).body("status", equalTo("connected"))
                .body("entity_ids", contains(second)).body("disconnected_entity_ids", contains(first));
        assertThat(finchRequests(connectionId, "disconnect.entity") - finchCallsBefore).isEqualTo(1);
        assertThat(distinctDisconnected(topic.drain(Duration.ofSeconds(3)), connectionId)).hasSize(1);
        given().auth().oauth2(token("connections:read")).get("/v1/connections/" + connectionId).then().statusCode(200)
                .body("status", equalTo("connected")).body("entity_ids", contains(second));

        disconnect(connectionId, "{\"entity_ids\": [\"" + second + "\"]}").statusCode(200)
                .body("status", equalTo("disconnected")).body("entity_ids", empty())
                .body("disconnected_entity_ids", contains(first, second));
        List<Event> both = disconnectedEvents(connectionId, 2);
        assertThat(distinctDisconnected(both, connectionId)).hasSize(2)
                .anySatisfy(e -> assertThat(JsonPath.from(e.value()).getList("entity_ids")).containsExactly(second));
        assertThat(distinctDisconnected(topic.drain(Duration.ofSeconds(3)), connectionId)).hasSize(2);
    }

    /**
     * The operator removes the last entity and Finch's answer is held: Finch's own account.updated is introspected
     * first and ends the connection. One connection-level event, by the operator (its intent was recorded before
     * Finch was called); the answer, released, adds nothing.
     */
    @Test
    void theLastEntityRemovedWhileFinchsAnswerIsHeldEndsTheConnectionWithOneEvent() throws Exception {
        String connectionId = twoEntityConnection("cust-" + UUID.randomUUID());
        List<Object> entities = Sql.column("SELECT unnest(entity_ids) FROM connections WHERE connection_id = ?", connectionId);
        disconnect(connectionId, "{\"entity_ids\": [\"" + entities.get(0) + "\"]}").statusCode(200);
        disconnectedEvents(connectionId, 1);
        Finch.aboutConnection(connectionId).fault("disconnect.entity", Map.of("hold_answer", true, "times", 1));

        CompletableFuture<ValidatableResponse> last = CompletableFuture.supplyAsync(
                () -> disconnect(connectionId, "{\"entity_ids\": [\"" + entities.get(1) + "\"]}"));
        Awaitility.await("Finch's answer held").atMost(WAIT).until(() -> Finch.heldAnswers() == 1);
        Awaitility.await("Finch's own word applied first").atMost(WAIT).until(() -> "disconnected".equals(
                Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)));
        assertThat(Finch.releaseHeldAnswers()).isEqualTo(1);

        last.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode(200).body("status", equalTo("disconnected"));
        List<Event> events = distinctDisconnected(topic.drain(Duration.ofSeconds(3)), connectionId);
        assertThat(events).as("the first entity's and the connection's").hasSize(2);
        assertThat(JsonPath.from(events.get(1).value()).getString("by")).isEqualTo("operator");
        assertThat(JsonPath.from(events.get(1).value()).getString("connection_status")).isEqualTo("disconnected");
        assertThat(JsonPath.from(events.get(1).value()).getList("entities.status")).containsOnly("disconnected").hasSize(2);
    }

    @Test
    void unknownConnectionIs404AndBadEntityIdsAre400NamingThemWithNothingCalledOrChanged() {
        disconnect("no-such-" + UUID.randomUUID(), null).statusCode(404);
        String customerId = "cust-" + UUID.randomUUID();
        String connectionId = twoEntityConnection(customerId);
        long finchCallsBefore = finchRequests(connectionId, "disconnect.entity") + finchRequests(connectionId, "disconnect");

        disconnect(connectionId, "{\"entity_ids\": [\"not-an-entity-of-it\"]}").statusCode(400)
                .contentType(containsString("application/problem+json")).body("field", equalTo("entity_ids"))
                .body("detail", containsString("not-an-entity-of-it"));
        disconnect(connectionId, "{\"entity_ids\": []}").statusCode(400).body("field", equalTo("entity_ids"));
        disconnect(connectionId, "{\"entity_ids\": [7]}").statusCode(400).body("field", equalTo("entity_ids"));
        disconnect(connectionId, "{\"entity_ids\": \"x\"}").statusCode(400).body("field", equalTo("entity_ids"));
        disconnect(connectionId, "[").statusCode(400).body("field", equalTo("body"));
        given().auth().oauth2(token("connections:read")).post("/v1/connections/" + connectionId + "/disconnect")
                .then().statusCode(403);

        assertThat(finchRequests(connectionId, "disconnect.entity") + finchRequests(connectionId, "disconnect")).isEqualTo(finchCallsBefore);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("connected");
        assertThat(Sql.single("SELECT disconnect_requested_at FROM connections WHERE connection_id = ?", connectionId)).isNull();
        assertThat(distinctDisconnected(topic.drain(Duration.ofSeconds(2)), connectionId)).isEmpty();
    }

    /**
     * The operator's call fails, Finch answering without disconnecting (a refusal), or its answer lost (a 500 after
     * the request was sent) and the next observation finding the connection alive: a later disconnect by Finch
     * itself is Finch's, not the operator's.
     */
    @ParameterizedTest
    @ValueSource(ints = { 409, 500 })
    void aDisconnectFinchDidNotDoLeavesNoIntentBehind(int finchAnswer) {
        String customerId = "cust-" + UUID.randomUUID();
        String connectionId = SimulatedConnections.establishedThroughTheService(customerId);
        Finch.aboutConnection(connectionId).fault("disconnect", Map.of("status", finchAnswer));
        try {
            disconnect(connectionId, null).statusCode(greaterThanOrEqualTo(400))
                    .contentType(containsString("application/problem+json"));
        } finally {
            Finch.aboutConnection(connectionId).clearFaults();
        }
        assertThat(Finch.connection(connectionId).getString("status")).isEqualTo("connected");
        if (finchAnswer == 500) {
            // Whether Finch acted is unknown: the intent stays until Finch is next asked about the connection.
            assertThat(Sql.single("SELECT disconnect_requested_at FROM connections WHERE connection_id = ?", connectionId))
                    .isNotNull();
            Finch.setStatus(connectionId, "connected");
            Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM incoming_events WHERE connection_id = ? "
                    + "AND state = 'done'", connectionId) >= 1);
        }
        assertThat(Sql.single("SELECT disconnect_requested_at FROM connections WHERE connection_id = ?", connectionId)).isNull();

        Finch.setStatus(connectionId, "disconnected");

        JsonPath data = JsonPath.from(disconnectedEvents(connectionId, 1).get(0).value());
        assertThat(data.getString("by")).isEqualTo("finch");
    }

    private static ValidatableResponse disconnect(String connectionId, String body) {
        RequestSpecification request = given().auth().oauth2(token("connections:write"));
        if (body != null) {
            request = request.contentType("application/json").body(body);
        }
        return request.post("/v1/connections/" + connectionId + "/disconnect").then();
    }

    private static List<Event> disconnectedEvents(String connectionId, int count) {
        Awaitility.await().atMost(WAIT).until(() -> distinctDisconnected(topic.drain(Duration.ofMillis(200)), connectionId)
                .size() >= count);
        return distinctDisconnected(topic.drain(Duration.ofMillis(100)), connectionId);
    }

    private static List<Event> distinctDisconnected(List<Event> events, String connectionId) {
        return events.stream().filter(e -> connectionId.equals(e.key()) && DISCONNECTED.equals(e.type()))
                .filter(distinctBy()).toList();
    }

    private static java.util.function.Predicate<Event> distinctBy() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        return e -> seen.add(e.ceId());
    }

    /** A connection with two entities, connected through the service's embedded-flow exchange. */
    private static String twoEntityConnection(String customerId) {
        String code = Finch.completeSession(Finch.createSession(customerId), 2).code();
        return given().auth().oauth2(token("sessions:write")).contentType("application/json")
                .body(Map.of("code", code, "customer_id", customerId))
                .post("/v1/connect/authorizations").then().statusCode(201).extract().path("connection_id");
    }

    /** The connection's own calls to the endpoint at Finch. */
    private static long finchRequests(String connectionId, String endpoint) {
        return Finch.aboutConnection(connectionId).requests(endpoint);
    }

    private static String token(String role) {
        return TestStack.get().jwt().token(role);
    }
}
