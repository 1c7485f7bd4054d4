package io.finchconnect.reauth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * A reauthentication session asked for through the API is the same record as the sweeper's: stored for its
 * episode, announced with {@code reauth_needed}, closed by {@code reauthenticated}; and since Finch makes a new
 * session on every call, at most one creation per connection is in flight and an unclear one is never repeated blindly.
 */
@QuarkusTest
class RequestedReauthSessionTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String REAUTHENTICATE = "/v1/connect/sessions/reauthenticate";
    private static final String REDIRECT_URI = TestStack.REDIRECT_URI;
    private static final ObjectMapper JSON = new ObjectMapper();
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
        Finch.everyRequest().clearFaults();
        circuitBreakers.resetAll();
    }

    @Test
    void aRequestedSessionOnAHealthyConnectionIsStoredAnnouncedAndClosedByTheEmployer() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();

        Response answer = reauthenticate(Map.of("connection_id", connection.connectionId(), "redirect_uri", REDIRECT_URI,
                "products", "company directory payment", "state", "caller-42"));
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(200);
        String sessionId = answer.path("session_id");
        String connectUrl = answer.path("connect_url");

        assertThat(Sql.single("SELECT session_id FROM reauth_sessions r JOIN connections c ON c.connection_id = r.connection_id "
                + "AND c.reauth_episode = r.episode WHERE r.connection_id = ?", connection.connectionId())).isEqualTo(sessionId);
        assertThat(Sql.single("SELECT redirect_uri FROM reauth_sessions WHERE session_id = ?", sessionId)).isEqualTo(REDIRECT_URI);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connection.connectionId()))
                .as("Finch still says connected").isEqualTo("connected");

        JsonNode announced = JSON.readTree(topic.eventsWithKey(WAIT, connection.connectionId(), 1).get(0).value());
        assertThat(announced.get("reason").asText()).isEqualTo("requested");
        assertThat(announced.get("source_event_id").asText()).startsWith("request_");
        assertThat(announced.at("/reauth_session/session_id").asText()).isEqualTo(sessionId);
        assertThat(announced.at("/reauth_session/connect_url").asText()).isEqualTo(connectUrl);
        given().auth().oauth2(TestStack.get().jwt().token("connections:read")).get("/v1/connections/" + connection.connectionId())
                .then().statusCode(200).body(containsString(sessionId));

        // The employer completes it at Finch and lands on our callback, which names the session's redirect_uri.
        String state = URLDecoder.decode(connectUrl.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);
        String code = Finch.completeSession(sessionId).code();
        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback").then().statusCode(200)
                .body(containsString("reauthenticated"));

        List<Event> events = topic.eventsWithKey(WAIT, connection.connectionId(), 2);
        assertThat(events.get(1).type()).isEqualTo("finch.connection.reauthenticated");
        assertThat(topic.drain(Duration.ofSeconds(1)).stream().filter(e -> connection.connectionId().equals(e.key())))
                .as("one announcement, one close").hasSize(2);
        assertThat(Sql.count("SELECT count(*) FROM connections WHERE connection_id = ? AND reauth_requested_at IS NULL",
                connection.connectionId())).isEqualTo(1);
    }

    @Test
    void aRequestedSessionForAConnectionInReauthBecomesTheEpisodesSession() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();
        String eventId = Finch.setStatus(connection.connectionId(), "reauth").getString("event_id");
        List<Event> sweeper = topic.eventsWithKey(WAIT, connection.connectionId(), 2);
        assertThat(sweeper.get(1).carriesReauthSession()).isTrue();

        Response answer = reauthenticate(Map.of("connection_id", connection.connectionId(), "products", List.of("company", "payment")));
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(200);
        String sessionId = answer.path("session_id");

        JsonNode announced = JSON.readTree(topic.eventsWithKey(WAIT, connection.connectionId(), 3).get(2).value());
        assertThat(announced.get("reason").asText()).isEqualTo("reauth");
        assertThat(announced.get("source_event_id").asText()).isEqualTo(eventId);
        assertThat(announced.at("/reauth_session/session_id").asText()).isEqualTo(sessionId);
        assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connection.connectionId()))
                .as("one session per episode: the requested one replaced the sweeper's").isEqualTo(1);
        assertThat(Sql.single("SELECT session_id FROM reauth_sessions WHERE connection_id = ?", connection.connectionId()))
                .isEqualTo(sessionId);
        // The connect-link hands out the same session now.
        given().auth().oauth2(TestStack.get().jwt().token("sessions:read")).get("/v1/customers/" + connection.customerId()
                + "/connect-link").then().statusCode(200).body(containsString(sessionId));
    }

    @Test
    void manyConcurrentRequestsNeverHaveTwoCreationsInFlight() throws Exception {
        SimulatedConnection connection = SimulatedConnections.connected();
        fault(connection, Map.of("latency_ms", 500));
        int requests = 30;
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        List<Response> answers;
        try {
            List<CompletableFuture<Response>> sent = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                sent.add(CompletableFuture.supplyAsync(() -> reauthenticate(Map.of("connection_id", connection.connectionId())), pool));
            }
            answers = sent.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdownNow();
        }

        Map<Integer, Long> statuses = answers.stream().collect(Collectors.groupingBy(Response::statusCode, Collectors.counting()));
        long created = statuses.getOrDefault(200, 0L);
        assertThat(statuses.keySet()).as("%s", statuses).containsOnly(200, 409);
        assertThat(created).as("%s", statuses).isBetween(1L, 2L);
        assertThat(answers.stream().filter(a -> a.statusCode() == 409).map(a -> a.<String>path("type")))
                .allMatch(type -> type.endsWith("/reauth-session-in-flight"));
        assertThat(answers.stream().filter(a -> a.statusCode() == 409)).allMatch(a -> "5".equals(a.header("Retry-After")));
        assertThat(createdAtFinch(connection.connectionId())).as("Finch made exactly the sessions handed out").isEqualTo(created);
        assertThat(topic.eventsWithKey(WAIT, connection.connectionId(), (int) created)).hasSize((int) created);
        assertThat(topic.drain(Duration.ofSeconds(1)).stream().filter(e -> connection.connectionId().equals(e.key())))
                .as("one announcement per session made").hasSize((int) created);
        assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connection.connectionId())).isEqualTo(1);
        assertThat(Sql.count("SELECT count(*) FROM reauth_session_intents WHERE connection_id = ?", connection.connectionId()))
                .as("answered creations leave no intent").isZero();
    }

    @Test
    void anUnclearOutcomeIsNotRepeatedByTheNextRequest() {
        SimulatedConnection connection = SimulatedConnections.connected();
        // A 500 leaves open whether Finch made the session before failing.
        fault(connection, Map.of("status", 500, "times", 1));

        Response first = reauthenticate(Map.of("connection_id", connection.connectionId()));
        assertThat(first.statusCode()).as(first.asString()).isBetween(500, 504);
        assertThat(first.contentType()).startsWith("application/problem+json");
        Response second = reauthenticate(Map.of("connection_id", connection.connectionId()));
        assertThat(second.statusCode()).as(second.asString()).isEqualTo(409);
        assertThat(second.<String>path("type")).endsWith("/reauth-session-in-flight");
        assertThat(createdAtFinch(connection.connectionId())).as("the second request did not ask Finch").isLessThanOrEqualTo(1);
        assertThat(Sql.count("SELECT count(*) FROM reauth_sessions WHERE connection_id = ?", connection.connectionId())).isZero();

        // Once the uncertainty window has passed, a request asks Finch again.
        Sql.update("UPDATE reauth_session_intents SET retry_at = now() WHERE connection_id = ?", connection.connectionId());
        Response third = reauthenticate(Map.of("connection_id", connection.connectionId()));
        assertThat(third.statusCode()).as(third.asString()).isEqualTo(200);
    }

    @Test
    void aDisconnectedConnectionGetsNoReauthenticationSession() {
        SimulatedConnection connection = SimulatedConnections.connected();
        Sql.update("UPDATE connections SET status = 'disconnected' WHERE connection_id = ?", connection.connectionId());
        Response answer = reauthenticate(Map.of("connection_id", connection.connectionId()));
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(409);
        assertThat(answer.<String>path("type")).endsWith("/connection-disconnected");
        assertThat(createdAtFinch(connection.connectionId())).isZero();
    }

    private static Response reauthenticate(Map<String, Object> body) {
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json").body(body)
                .post(REAUTHENTICATE).andReturn();
    }

    private static long createdAtFinch(String connectionId) {
        return Finch.connection(connectionId).getLong("reauth_sessions_created");
    }

    /** A fault of the connection's own reauthentication calls, so no other test's sweep meets it. */
    private static void fault(SimulatedConnection connection, Map<String, Object> fault) {
        Finch.aboutConnection(connection.connectionId()).fault("connect.sessions.reauthenticate", fault);
    }
}
