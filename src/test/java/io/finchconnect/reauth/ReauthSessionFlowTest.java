package io.finchconnect.reauth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * From Finch's reauth webhook to a reauthentication link on Kafka: the transition's event first, then a
 * follow-up of the same type with the session, one session per episode even across a Finch outage.
 */
@QuarkusTest
class ReauthSessionFlowTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @Inject
    CircuitBreakerMaintenance circuitBreakers;

    @AfterEach
    void finchBackToNormal() {
        Finch.everyRequest().clearFaults();
        // The breaker is shared by the whole application: an outage here must not fail other tests' calls.
        circuitBreakers.resetAll();
    }

    @Test
    void aReauthWebhookDeliveredTwiceYieldsOneWorkingReauthLink() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();

        String eventId = Finch.setStatus(connection.connectionId(), "reauth").getString("event_id");
        assertThat(Finch.redeliver(eventId).getInt("delivery_status")).isEqualTo(200);

        List<Event> events = topic.eventsWithKey(WAIT, connection.connectionId(), 2);
        assertThat(events).hasSize(2).allMatch(e -> "finch.connection.reauth_needed".equals(e.headers().get("ce_type")));
        JsonNode transition = new ObjectMapper().readTree(events.get(0).value());
        JsonNode followUp = new ObjectMapper().readTree(events.get(1).value());
        assertThat(transition.has("reauth_session")).isFalse();
        assertThat(followUp.get("source_event_id").asText()).isEqualTo(eventId);
        assertThat(followUp.get("detected_at").asText()).isEqualTo(transition.get("detected_at").asText());
        String connectUrl = followUp.at("/reauth_session/connect_url").asText();
        assertThat(followUp.at("/reauth_session/session_id").asText()).isNotBlank();
        assertThat(followUp.at("/reauth_session/expires_at").asText()).isNotBlank();
        given().get(connectUrl).then().statusCode(200);
        assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connection.connectionId())).isEqualTo(1);
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(e -> connection.connectionId().equals(e.key()))).hasSize(2);

        // The employer completes the session at Finch and lands on our callback with the code and our state.
        String state = java.net.URLDecoder.decode(connectUrl.replaceAll(".*[?&]state=([^&]*).*", "$1"),
                java.nio.charset.StandardCharsets.UTF_8);
        String code = Finch.completeSession(followUp.at("/reauth_session/session_id").asText()).code();
        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback").then().statusCode(200)
                .contentType(containsString("text/html")).body(containsString("reauthenticated"));
        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback").then().statusCode(400)
                .body(containsString("replayed_state"));

        topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connection.connectionId().equals(e.key())
                && "finch.connection.reauthenticated".equals(e.type())));
        assertThat(topic.drain(Duration.ofSeconds(1)).stream().filter(e -> connection.connectionId().equals(e.key())
                && "finch.connection.reauthenticated".equals(e.type()))).as("one reauthenticated event").hasSize(1);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo("connected");
    }

    @Test
    void aConnectionWithItsSessionIsSweptAgainOnlyWhenTheSessionExpires() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();
        Finch.setStatus(connection.connectionId(), "reauth");
        topic.eventsWithKey(WAIT, connection.connectionId(), 2);
        String due = "SELECT count(*) FROM connections WHERE connection_id = ? AND status = 'reauth' "
                + "AND (reauth_next_attempt_at IS NULL OR reauth_next_attempt_at <= now())";
        assertThat(Sql.count(due, connection.connectionId())).as("not due while its session is valid").isZero();
        assertThat(Sql.count("SELECT count(*) FROM connections c JOIN reauth_sessions r ON r.connection_id = c.connection_id "
                + "AND r.episode = c.reauth_episode WHERE c.connection_id = ? AND c.reauth_next_attempt_at = r.expires_at",
                connection.connectionId())).as("due again when the session expires").isEqualTo(1);

        // Thirty-one days later: the session has expired, and the sweeper renews it with a third event.
        Sql.update("UPDATE reauth_sessions SET expires_at = expires_at - interval '31 days' WHERE connection_id = ?",
                connection.connectionId());
        Sql.update("UPDATE connections SET reauth_next_attempt_at = reauth_next_attempt_at - interval '31 days' "
                + "WHERE connection_id = ?", connection.connectionId());
        List<Event> events = topic.eventsWithKey(WAIT, connection.connectionId(), 3);
        JsonNode renewed = new ObjectMapper().readTree(events.get(2).value());
        assertThat(renewed.at("/reauth_session/session_id").asText())
                .isNotEqualTo(new ObjectMapper().readTree(events.get(1).value()).at("/reauth_session/session_id").asText());
        assertThat(Sql.count(due, connection.connectionId())).isZero();
    }

    @Test
    void anUnclearOutcomeAtFinchIsNeverRetriedBlindly() {
        SimulatedConnection connection = SimulatedConnections.connected();
        // A 500 leaves open whether Finch made the session before failing.
        Finch.aboutConnection(connection.connectionId()).fault("connect.sessions.reauthenticate", Map.of("status", 500, "times", 1))
                .resetRequests();

        Finch.setStatus(connection.connectionId(), "reauth");
        Awaitility.await().atMost(WAIT).until(() -> reauthenticateRequests(connection) == 1);
        Awaitility.await().atMost(WAIT).until(() -> Sql.count(
                "SELECT count(*) FROM reauth_session_intents WHERE connection_id = ?", connection.connectionId()) == 1);

        // Sweeps run every second and back off at most 2 s here: a blind retry would have come by now.
        Awaitility.await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(20))
                .until(() -> reauthenticateRequests(connection) == 1);
        assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connection.connectionId())).isZero();
        assertThat(Sql.single("SELECT retry_at > now() + interval '50 minutes' FROM reauth_session_intents WHERE connection_id = ?",
                connection.connectionId())).isEqualTo(true);
    }

    /** The connection's own requests: a sweep of another test's connection must not count. */
    private static long reauthenticateRequests(SimulatedConnection connection) {
        return Finch.aboutConnection(connection.connectionId()).requests("connect.sessions.reauthenticate");
    }

    @Test
    void whileFinchIsDownTheLinkWaitsAndArrivesOnceFinchIsBack() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();
        Finch.aboutConnection(connection.connectionId()).fault("connect.sessions.reauthenticate", Map.of("status", 503));

        Finch.setStatus(connection.connectionId(), "reauth");
        Awaitility.await().atMost(WAIT).until(() -> ((Number) Sql.single(
                "SELECT reauth_attempts FROM connections WHERE connection_id = ?", connection.connectionId())).intValue() >= 2);
        assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connection.connectionId())).isZero();

        Finch.aboutConnection(connection.connectionId()).clearFaults();

        List<Event> events = topic.eventsWithKey(WAIT, connection.connectionId(), 2);
        JsonNode followUp = new ObjectMapper().readTree(events.get(1).value());
        given().get(followUp.at("/reauth_session/connect_url").asText()).then().statusCode(200);
        assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connection.connectionId())).isEqualTo(1);
        assertThat(Sql.single("SELECT reauth_attempts FROM connections WHERE connection_id = ?", connection.connectionId())).isEqualTo(0);
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(e -> connection.connectionId().equals(e.key()))).hasSize(2);
    }
}
