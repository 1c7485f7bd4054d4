package io.finchconnect.session;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.PatientFinchProfile;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * A customer whose connection Finch disconnected connects anew (Finch has no reconnect): a fresh staged
 * session, then a new connection with its own established event, the old one kept as history, and never two
 * live connections for one customer however many flows race.
 */
@QuarkusTest
@TestProfile(PatientFinchProfile.class)
class ConnectAgainAfterDisconnectTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    /** RestAssured knows the test port only once a test runs. */
    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @Test
    void aDisconnectedCustomerGetsAFreshSessionAndANewConnectionWithItsOwnEstablishedEvent() {
        String customerId = "cust-" + UUID.randomUUID();
        String firstSession = createSession(customerId).then().statusCode(201).extract().path("session_id");
        String first = completeThroughTheService(customerId, firstSession);
        given().auth().oauth2(token("connections:read")).get("/v1/customers/" + customerId).then().statusCode(200)
                .body("staged_session.consumed_at", notNullValue());
        disconnectAtFinch(first);

        Response again = createSession(customerId);
        again.then().statusCode(201).body("refreshed", equalTo(false));
        String secondSession = again.path("session_id");
        assertThat(secondSession).as("a fresh session at Finch, not the spent one").isNotEqualTo(firstSession);
        createSession(customerId).then().statusCode(200).body("refreshed", equalTo(true))
                .body("session_id", equalTo(secondSession));
        given().auth().oauth2(token("sessions:read")).get("/v1/customers/" + customerId + "/connect-link").then()
                .statusCode(200).body("kind", equalTo("staged")).body("session_id", equalTo(secondSession));

        String second = completeThroughTheService(customerId, secondSession);

        assertThat(second).isNotEqualTo(first);
        Event established = topic.eventsWithKey(WAIT, second, 1).get(0);
        assertThat(established.type()).isEqualTo("finch.connection.established");
        assertThat(established.value()).contains(customerId);
        given().auth().oauth2(token("connections:read")).get("/v1/customers/" + customerId).then().statusCode(200)
                .body("connections", hasSize(2))
                .body("connections.find { it.connection_id == '" + first + "' }.status", equalTo("disconnected"))
                .body("connections.find { it.connection_id == '" + second + "' }.status", equalTo("connected"));
        createSession(customerId).then().statusCode(409).body("type", containsString("connection-exists"))
                .body("connection_id", equalTo(second));
    }

    @Test
    void fiftyConcurrentSessionRequestsAndCompletionsNeverYieldTwoLiveConnections() throws Exception {
        String customerId = "cust-" + UUID.randomUUID();
        String firstSession = createSession(customerId).then().statusCode(201).extract().path("session_id");
        String history = completeThroughTheService(customerId, firstSession);
        disconnectAtFinch(history);

        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Response> sessions = concurrently(pool, 50, i -> createSession(customerId));
            assertThat(sessions).as("status and session of each answer").extracting(r -> r.statusCode() + " " + r.path("session_id"))
                    .filteredOn(answer -> answer.startsWith("201")).hasSize(1);
            assertThat(sessions).extracting(Response::statusCode).containsOnly(200, 201);
            assertThat(sessions.stream().map(r -> r.<String>path("session_id")).distinct()).hasSize(1);
            String staged = sessions.get(0).path("session_id");

            // Fifty employers' Connect flows of this customer that Finch completed, each with its own connection:
            // each earlier one disconnected at Finch, so Finch lets the next session be staged.
            List<String> codes = new ArrayList<>();
            List<String> finchConnections = new ArrayList<>();
            String sessionId = staged;
            for (int i = 0; i < 50; i++) {
                Finch.Authorization completed = completeAtFinch(sessionId);
                codes.add(completed.code());
                finchConnections.add(completed.connectionId());
                if (i < 49) {
                    // Its webhook reaches nobody: delivered during the race, it would rightly end the first winner
                    // and let a second flow win, which is not the race this test is about.
                    Finch.setStatusUndelivered(completed.connectionId(), "disconnected");
                    sessionId = sessionAtFinch(customerId);
                }
            }

            List<Response> completions = concurrently(pool, 100, i -> i % 2 == 0
                    ? writer("sessions:write").body(Map.of("code", codes.get(i / 2), "customer_id", customerId))
                            .post("/v1/connect/authorizations")
                    : createSession(customerId));

            List<Response> exchanges = new ArrayList<>();
            for (int i = 0; i < completions.size(); i += 2) {
                exchanges.add(completions.get(i));
            }
            assertThat(exchanges).extracting(Response::statusCode).containsOnly(201, 409).containsOnlyOnce(201);
            String live = exchanges.stream().filter(r -> r.statusCode() == 201).findFirst().orElseThrow().path("connection_id");
            for (Response loser : exchanges) {
                if (loser.statusCode() == 409) {
                    assertThat(loser.contentType()).startsWith("application/problem+json");
                    assertThat(loser.<String>path("type")).contains("connection-exists");
                    assertThat(loser.<String>path("connection_id")).isEqualTo(live);
                }
            }
            for (int i = 1; i < completions.size(); i += 2) {
                Response session = completions.get(i);
                assertThat(session.statusCode()).as("a session request while a flow completes").isIn(200, 201, 400, 409);
                if (session.statusCode() == 400) {
                    // Not stored here yet, but connected at Finch already: Finch's own refusal, passed through as is.
                    assertThat(session.<Integer>path("finch_status")).isEqualTo(400);
                }
            }

            // Any of the fifty flows may win, and Finch disconnected all but the last: the winner's status is
            // Finch's, so it stays live only if it is that last connection.
            String lastAtFinch = finchConnections.get(finchConnections.size() - 1);
            if (!live.equals(lastAtFinch)) {
                // Its webhook reached nobody; reconciliation would find it in time, a hint finds it now.
                Finch.setStatus(live, "disconnected");
            }
            Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(Sql.column(
                    "SELECT connection_id FROM connections WHERE customer_id = ? AND status <> 'disconnected'", customerId))
                    .containsExactlyElementsOf(live.equals(lastAtFinch) ? List.of(live) : List.of()));
            assertThat(Sql.count("SELECT count(*) FROM connections WHERE customer_id = ?", customerId)).as("history and the live one")
                    .isEqualTo(2);
            topic.eventsWithKey(WAIT, live, 1);
            Set<String> losers = new java.util.HashSet<>(finchConnections);
            losers.remove(live);
            assertThat(topic.drain(Duration.ofSeconds(2))).as("no event for a connection that was not stored")
                    .noneMatch(e -> losers.contains(e.key()));
            assertThat(Sql.count("SELECT count(*) FROM outbox WHERE message_key = ANY (?)", (Object) losers.toArray(String[]::new)))
                    .isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void embeddedFlowsAtOnceForACustomerNeverStagedHereCreateItOnceAndOneConnection() throws Exception {
        String customerId = "cust-" + UUID.randomUUID();
        // Twenty Connect flows of a customer that this service never staged a session for (the embedded flow takes
        // any code of Finch's), each connection but the last disconnected at Finch so that it stages the next.
        List<String> codes = new ArrayList<>();
        String sessionId = sessionAtFinch(customerId);
        for (int i = 0; i < 20; i++) {
            Finch.Authorization completed = completeAtFinch(sessionId);
            codes.add(completed.code());
            if (i < 19) {
                Finch.setStatusUndelivered(completed.connectionId(), "disconnected");
                sessionId = sessionAtFinch(customerId);
            }
        }

        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Response> exchanges = concurrently(pool, 20, i -> writer("sessions:write")
                    .body(Map.of("code", codes.get(i), "customer_id", customerId)).post("/v1/connect/authorizations"));

            assertThat(exchanges).as("status of each answer: the customer's creation is no conflict of its own")
                    .extracting(Response::statusCode).containsOnly(201, 409).containsOnlyOnce(201);
            assertThat(Sql.count("SELECT count(*) FROM customers WHERE customer_id = ?", customerId)).isEqualTo(1);
            assertThat(Sql.single("SELECT customer_name FROM customers WHERE customer_id = ?", customerId)).isEqualTo("Acme");
            assertThat(Sql.count("SELECT count(*) FROM connections WHERE customer_id = ?", customerId)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Response> concurrently(ExecutorService pool, int count, java.util.function.IntFunction<Response> call) {
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            calls.add(CompletableFuture.supplyAsync(() -> call.apply(n), pool));
        }
        return calls.stream().map(CompletableFuture::join).toList();
    }

    private static String completeThroughTheService(String customerId, String sessionId) {
        String code = completeAtFinch(sessionId).code();
        return writer("sessions:write").body(Map.of("code", code, "customer_id", customerId)).post("/v1/connect/authorizations")
                .then().statusCode(201).body("outcome", equalTo("established")).extract().path("connection_id");
    }

    /** Finch disconnects it and tells the service through the signed account.updated webhook. */
    private static void disconnectAtFinch(String connectionId) {
        // The simulator answers once the service answered the webhook. A webhook's time is the second it was signed
        // in, so one signed in the second the connection was stored can be judged stale today: then Finch's next
        // account.updated (a new event) is the one that moves it.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Finch.setStatus(connectionId, "disconnected");
            return "disconnected".equals(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId));
        });
    }

    private static Finch.Authorization completeAtFinch(String sessionId) {
        return Finch.completeSession(sessionId);
    }

    private static String sessionAtFinch(String customerId) {
        return Finch.createSession(Map.of("customer_id", customerId, "customer_name", "Acme", "products", List.of("company")));
    }

    private static Response createSession(String customerId) {
        return writer("sessions:write").body(Map.of("customer_id", customerId, "customer_name", "Acme", "products", List.of("company")))
                .post("/v1/connect/sessions");
    }

    private static RequestSpecification writer(String role) {
        return given().auth().oauth2(token(role)).contentType("application/json");
    }

    private static String token(String role) {
        return TestStack.get().jwt().token(role);
    }
}
