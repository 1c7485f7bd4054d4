package io.finchconnect.authorization;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.awaitility.Awaitility;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.PatientFinchProfile;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * No stranded customer (docs/operations.md, "Stranded connections"). PostgreSQL is stopped while Finch holds the code exchange (latency
 * injected at the simulator's {@code /auth/token}), so Finch's answer arrives with the database down: back within
 * {@code connect.grant-write-retry-for} (10 s here too), the connection is stored and announced; down longer, the
 * employer gets a try-again-later outcome, the connection id is logged, and an operator adopts the connection
 * through reauthenticate, whose completion stores it with its {@code established} event. The patient profile
 * lets the injected latency outlast the time PostgreSQL takes to stop.
 */
@QuarkusTest
@TestProfile(PatientFinchProfile.class)
class StrandedGrantTest {

    private static final long FINCH_LATENCY_MILLIS = 3_000;
    private static final Duration RETRY_WINDOW = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    private final List<String> codeExchangeLog = new CopyOnWriteArrayList<>();
    private final Handler logCapture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            codeExchangeLog.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @AfterEach
    void finchBackToNormal() {
        Finch.everyRequest().clearFaults();
        java.util.logging.Logger.getLogger(CodeExchange.class.getName()).removeHandler(logCapture);
    }

    @Test
    void aGrantWhoseWriteMeetsAShortPostgresOutageIsStoredOnceItIsBack() throws Exception {
        String customerId = "cust-" + UUID.randomUUID();
        String code = SimulatedConnections.codeAuthorizedAtFinch(customerId);
        long exchangesBefore = exchangesAtFinch(customerId);

        Answer answer = withPostgresDownDuringTheExchange(() -> given().auth().oauth2(writer()).contentType("application/json")
                        .body(Map.of("code", code, "customer_id", customerId)).post("/v1/connect/authorizations").andReturn(),
                Duration.ofMillis(FINCH_LATENCY_MILLIS + 1_500));
        Response response = answer.response();

        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        assertThat(response.jsonPath().getString("outcome")).isEqualTo("established");
        assertThat(answer.answeredAt()).as("Finch answered while PostgreSQL was down; the write waited for it")
                .isGreaterThan(answer.restartingAt());
        String connectionId = response.jsonPath().getString("connection_id");
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("connected");
        assertThat(exchangesAtFinch(customerId) - exchangesBefore).as("the code was sent to Finch once").isEqualTo(1);
        assertThat(establishedEvents(connectionId)).hasSize(1);
    }

    @Test
    void aGrantThatCannotBeStoredInTheWindowIsAdoptedByAnOperatorThroughReauthenticate() throws Exception {
        java.util.logging.Logger.getLogger(CodeExchange.class.getName()).addHandler(logCapture);
        String customerId = "cust-" + UUID.randomUUID();
        String connectUrl = stageRedirectSession(customerId);
        String code = completeAtFinch(sessionOf(connectUrl));
        String embeddedCustomerId = "cust-" + UUID.randomUUID();
        String embeddedCode = completeAtFinch(stageEmbeddedSession(embeddedCustomerId));

        // The redirect flow's callback and the embedded flow's API, both answered by Finch while PostgreSQL is down.
        List<Answer> answers = withPostgresDownDuringTheExchanges(List.of(
                () -> given().redirects().follow(false).queryParam("code", code).queryParam("state", stateOf(connectUrl))
                        .get("/v1/connect/callback").andReturn(),
                () -> given().auth().oauth2(writer()).contentType("application/json")
                        .body(Map.of("code", embeddedCode, "customer_id", embeddedCustomerId)).post("/v1/connect/authorizations")
                        .andReturn()),
                Duration.ofMillis(FINCH_LATENCY_MILLIS).plus(RETRY_WINDOW).plusSeconds(3));
        Response page = answers.get(0).response();
        Response problem = answers.get(1).response();

        assertThat(problem.statusCode()).as(problem.asString()).isEqualTo(503);
        assertThat(problem.contentType()).startsWith("application/problem+json");
        assertThat(problem.jsonPath().getString("type")).endsWith("/grant-not-stored");
        assertThat(problem.jsonPath().getString("customer_id")).isEqualTo(embeddedCustomerId);
        String embeddedConnectionId = problem.jsonPath().getString("connection_id");
        assertThat(embeddedConnectionId).isNotBlank();

        assertThat(page.statusCode()).as(page.asString()).isEqualTo(503);
        assertThat(page.asString()).contains("try_again_later", "Please try again later");
        String connectionId = page.htmlPath().getString("**.find { it.@id == 'connection_id' }");
        assertThat(connectionId).isNotBlank();
        assertThat(Sql.count("SELECT count(*) FROM connections WHERE customer_id = ?", customerId)).as("nothing stored").isZero();
        assertThat(codeExchangeLog).as("the stranded connection is logged for an operator")
                .anySatisfy(line -> assertThat(line).contains("STRANDED connection " + connectionId, customerId));

        // The customer is stranded: reauthenticate without a customer_id knows no such connection...
        given().auth().oauth2(writer()).contentType("application/json").body(Map.of("connection_id", connectionId))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(404).contentType("application/problem+json");
        // ...until an operator names its customer: a reauthentication session to adopt it.
        String operator = TestStack.get().jwt().token("connections:write");
        Response adoption = given().auth().oauth2(operator).contentType("application/json")
                .body(Map.of("connection_id", connectionId, "customer_id", customerId, "redirect_uri", TestStack.REDIRECT_URI,
                        "state", "adopt-1"))
                .post("/v1/connect/sessions/reauthenticate").andReturn();
        assertThat(adoption.statusCode()).as(adoption.asString()).isEqualTo(200);
        String adoptionUrl = adoption.jsonPath().getString("connect_url");
        assertThat(adoption.jsonPath().getString("customer_id")).isEqualTo(customerId);

        // The employer completes it at Finch and lands on the callback: the connection is the customer's now.
        String newCode = completeAtFinch(adoption.jsonPath().getString("session_id"));
        given().queryParam("code", newCode).queryParam("state", stateOf(adoptionUrl)).get("/v1/connect/callback")
                .then().statusCode(200).body(containsString("established"), containsString(connectionId),
                        containsString("adopt-1"));
        assertThat(Sql.single("SELECT customer_id FROM connections WHERE connection_id = ? AND status = 'connected'", connectionId))
                .isEqualTo(customerId);
        List<Event> establishedOnce = establishedEvents(connectionId);
        assertThat(establishedOnce).hasSize(1);
        Event established = establishedOnce.get(0);
        assertThat(established.value()).contains(customerId).doesNotContainIgnoringCase("token");
        given().auth().oauth2(TestStack.get().jwt().token("connections:read")).get("/v1/connections/" + connectionId)
                .then().statusCode(200).body("status", equalTo("connected"));
        // A normal reauthentication works again, and a second adoption is refused: the connection is known.
        given().auth().oauth2(operator).contentType("application/json")
                .body(Map.of("connection_id", connectionId, "customer_id", customerId))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(writer()).contentType("application/json").body(Map.of("connection_id", connectionId))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(200);

        // The embedded flow's stranded connection, adopted through the embedded flow: no redirect_uri, no state.
        Response embeddedAdoption = given().auth().oauth2(operator).contentType("application/json")
                .body(Map.of("connection_id", embeddedConnectionId, "customer_id", embeddedCustomerId))
                .post("/v1/connect/sessions/reauthenticate").andReturn();
        assertThat(embeddedAdoption.statusCode()).as(embeddedAdoption.asString()).isEqualTo(200);
        String embeddedNewCode = completeAtFinch(embeddedAdoption.jsonPath().getString("session_id"));
        given().auth().oauth2(writer()).contentType("application/json")
                .body(Map.of("code", embeddedNewCode, "customer_id", embeddedCustomerId)).post("/v1/connect/authorizations")
                .then().statusCode(201).body("outcome", equalTo("established"), "connection_id", equalTo(embeddedConnectionId));
        assertThat(establishedEvents(embeddedConnectionId)).hasSize(1);
    }

    @Test
    void adoptionIsForOperatorsAndForCustomersWithoutALiveConnection() {
        String operator = TestStack.get().jwt().token("connections:write");
        SimulatedConnections.SimulatedConnection live = SimulatedConnections.connected();
        String stranded = UUID.randomUUID().toString();

        given().auth().oauth2(writer()).contentType("application/json")
                .body(Map.of("connection_id", stranded, "customer_id", live.customerId()))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(operator).contentType("application/json")
                .body(Map.of("connection_id", stranded, "customer_id", "no-such-customer-" + UUID.randomUUID()))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(operator).contentType("application/json")
                .body(Map.of("connection_id", stranded, "customer_id", live.customerId()))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(409).contentType("application/problem+json")
                .body("connection_id", equalTo(live.connectionId()));
        given().auth().oauth2(writer()).contentType("application/json")
                .body(Map.of("connection_id", live.connectionId(), "customer_id", "someone-else"))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(409).contentType("application/problem+json");
        assertThat(Sql.count("SELECT count(*) FROM connection_adoptions WHERE connection_id = ?", stranded)).isZero();
    }

    /** Finch answered 503 (the request was not served): the code is unspent and the same link works again. */
    @Test
    void aCodeThatNeverReachedFinchLeavesTheLinkUsable() {
        String customerId = "cust-" + UUID.randomUUID();
        String connectUrl = stageRedirectSession(customerId);
        String code = completeAtFinch(sessionOf(connectUrl));
        Finch.aboutCustomer(customerId).fault("auth.token", Map.of("status", 503, "times", 1));

        given().queryParam("code", code).queryParam("state", stateOf(connectUrl)).get("/v1/connect/callback")
                .then().statusCode(503).body(containsString("finch_unavailable"), containsString("same link"));
        given().queryParam("code", code).queryParam("state", stateOf(connectUrl)).get("/v1/connect/callback")
                .then().statusCode(200).body(containsString("established"));
        given().queryParam("code", code).queryParam("state", stateOf(connectUrl)).get("/v1/connect/callback")
                .then().statusCode(400).body(containsString("replayed_state"));
        assertThat(Sql.single("SELECT status FROM connections WHERE customer_id = ?", customerId)).isEqualTo("connected");
    }

    /**
     * {@code restartingAt}: when PostgreSQL was asked to start again. Not when {@code start()} returned: the server
     * accepts connections before its start-up wait ends (hundreds of milliseconds on a busy machine), and the
     * service's retried write may land in between.
     */
    private record Answer(Response response, long answeredAt, long restartingAt) {
    }

    private static Answer withPostgresDownDuringTheExchange(Supplier<Response> request, Duration downFor) throws Exception {
        return withPostgresDownDuringTheExchanges(List.of(request), downFor).get(0);
    }

    /** PostgreSQL down before the code goes to Finch: nothing is spent, and the same link works once it is back. */
    @Test
    void aCallbackWhilePostgresIsDownSpendsNothing() {
        String customerId = "cust-" + UUID.randomUUID();
        String connectUrl = stageRedirectSession(customerId);
        String code = completeAtFinch(sessionOf(connectUrl));
        long exchangesBefore = exchangesAtFinch(customerId);

        TestStack.get().postgres().stop();
        try {
            given().queryParam("code", code).queryParam("state", stateOf(connectUrl)).get("/v1/connect/callback")
                    .then().statusCode(503).body(containsString("service_unavailable"), containsString("same link"));
        } finally {
            TestStack.get().postgres().start();
        }
        assertThat(exchangesAtFinch(customerId)).as("the code stayed here").isEqualTo(exchangesBefore);
        Awaitility.await("the same link, once PostgreSQL is back").atMost(WAIT).until(() -> given().queryParam("code", code)
                .queryParam("state", stateOf(connectUrl)).get("/v1/connect/callback").statusCode() == 200);
        assertThat(Sql.single("SELECT status FROM connections WHERE customer_id = ?", customerId)).isEqualTo("connected");
    }

    /**
     * Sends the requests with latency at Finch's /auth/token, stops PostgreSQL once their exchanges are at Finch, and
     * restarts it {@code downFor} after that; the answers and when they came (nano time).
     */
    private static List<Answer> withPostgresDownDuringTheExchanges(List<Supplier<Response>> requests, Duration downFor)
            throws Exception {
        long before = exchangesAtFinch();
        Finch.everyRequest().fault("auth.token", Map.of("latency_ms", FINCH_LATENCY_MILLIS, "times", requests.size()));
        List<CompletableFuture<Answer>> answers = requests.stream().map(request -> CompletableFuture.supplyAsync(request)
                .thenApply(response -> new Answer(response, System.nanoTime(), 0))).toList();
        Awaitility.await("the exchanges at Finch").atMost(Duration.ofSeconds(10))
                .until(() -> exchangesAtFinch() >= before + requests.size());
        long arrived = System.nanoTime();
        long restartingAt;
        try {
            TestStack.get().postgres().stop();
            assertThat(Duration.ofNanos(System.nanoTime() - arrived)).as("PostgreSQL stopped before Finch answers")
                    .isLessThan(Duration.ofMillis(FINCH_LATENCY_MILLIS));
            Thread.sleep(Math.max(0, downFor.toMillis() - Duration.ofNanos(System.nanoTime() - arrived).toMillis()));
        } finally {
            restartingAt = System.nanoTime();
            TestStack.get().postgres().start();
        }
        List<Answer> answered = new java.util.ArrayList<>();
        for (CompletableFuture<Answer> answer : answers) {
            Answer one = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            answered.add(new Answer(one.response(), one.answeredAt(), restartingAt));
        }
        return answered;
    }

    private static long exchangesAtFinch() {
        return Finch.everyRequest().requests("auth.token");
    }

    /** The customer's own code exchanges at Finch. */
    private static long exchangesAtFinch(String customerId) {
        return Finch.aboutCustomer(customerId).requests("auth.token");
    }

    /** The distinct established events of the connection, once the first arrived and a little longer. */
    private static List<Event> establishedEvents(String connectionId) {
        topic.eventsWithKey(WAIT, connectionId, 1);
        return topic.drain(Duration.ofSeconds(2)).stream()
                .filter(e -> connectionId.equals(e.key()) && "finch.connection.established".equals(e.type()))
                .filter(distinctBy(Event::ceId)).toList();
    }

    private static <T> java.util.function.Predicate<T> distinctBy(java.util.function.Function<T, Object> key) {
        java.util.Set<Object> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        return item -> seen.add(key.apply(item));
    }

    private static String writer() {
        return TestStack.get().jwt().token("sessions:write");
    }

    private static String stageRedirectSession(String customerId) {
        return given().auth().oauth2(writer()).contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Acme " + customerId, "products", List.of("company"),
                        "redirect_uri", TestStack.REDIRECT_URI))
                .post("/v1/connect/sessions").then().statusCode(201).extract().path("connect_url");
    }

    /** An embedded-flow session (no redirect_uri) staged through the service; its session id. */
    private static String stageEmbeddedSession(String customerId) {
        return given().auth().oauth2(writer()).contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Acme " + customerId, "products", List.of("company")))
                .post("/v1/connect/sessions").then().statusCode(201).extract().path("session_id");
    }

    private static String sessionOf(String connectUrl) {
        return connectUrl.replaceAll(".*[?&]session=([^&]*).*", "$1");
    }

    private static String completeAtFinch(String sessionId) {
        return Finch.completeSession(sessionId).code();
    }

    private static String stateOf(String connectUrl) {
        return URLDecoder.decode(connectUrl.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);
    }
}
