package io.finchconnect.finch.client;

import static io.finchconnect.finch.client.SessionRequests.uniqueCustomerId;
import static io.finchconnect.testing.Finch.everyRequest;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * Finch's faults as the platform's callers see them through the HTTP API (FinchGatewayFaultToleranceTest
 * covers the gateway alone): bounded retries counted at the simulator, 502/503/504 problem details, the
 * single-use code never sent twice, the shared circuit breaker opening and closing, and after every scenario
 * one staged session per customer, at most one connection, and no connection without its event.
 */
@QuarkusTest
class FinchFaultsThroughTheApiTest {

    private static final String SESSIONS = "/v1/connect/sessions";
    private static final String REAUTHENTICATE = "/v1/connect/sessions/reauthenticate";
    private static final String AUTHORIZATIONS = "/v1/connect/authorizations";

    @Inject
    FinchConfig config;
    @Inject
    CircuitBreakerMaintenance breakers;

    private final List<String> customers = new ArrayList<>();

    @BeforeEach
    void finchHealthy() {
        // The breaker is shared by the whole application: every scenario starts, and leaves, it closed.
        everyRequest().clearFaults().resetRequests();
        breakers.resetAll();
    }

    @AfterEach
    void nothingDuplicatedOrHalfWritten() {
        everyRequest().clearFaults().resetRequests();
        breakers.resetAll();
        for (String customerId : customers) {
            assertThat(Sql.count("SELECT count(*) FROM staged_sessions WHERE customer_id = ?", customerId))
                    .as("staged sessions of %s", customerId).isLessThanOrEqualTo(1);
            assertThat(Sql.count("SELECT count(*) FROM connections WHERE customer_id = ?", customerId))
                    .as("connections of %s", customerId).isLessThanOrEqualTo(1);
            assertThat(Sql.count("""
                    SELECT count(*) FROM connections c WHERE c.customer_id = ? AND NOT EXISTS (SELECT 1 FROM outbox o
                    WHERE o.message_key = c.connection_id AND o.event_type = 'finch.connection.established')""", customerId))
                    .as("a connection of %s without its event", customerId).isZero();
            assertThat(Sql.count("""
                    SELECT count(*) FROM customers c WHERE c.customer_id = ? AND NOT EXISTS (SELECT 1 FROM staged_sessions s
                    WHERE s.customer_id = c.customer_id) AND NOT EXISTS (SELECT 1 FROM connections k
                    WHERE k.customer_id = c.customer_id)""", customerId))
                    .as("a customer of %s stored without its session or connection", customerId).isZero();
        }
    }

    @Test
    void aFinchSlowerThanTheTimeoutIs504AndTheCallersRetryGetsTheOneSession() {
        String customerId = customer();
        everyRequest().fault("connect.sessions", Map.of("latency_ms", config.requestTimeout().toMillis() + 500));

        problem(createSession(customerId), 504, "finch-timeout");
        assertThat(everyRequest().requests("connect.sessions")).as("bounded attempts").isEqualTo(1 + config.retry().maxRetries());
        assertThat(stagedSessions(customerId)).isZero();

        // Finch may have created the session after we gave up: the caller's retry gets that one, once.
        everyRequest().clearFaults().resetRequests();
        createSession(customerId).statusCode(201);
        createSession(customerId).statusCode(200).body("refreshed", equalTo(true));
        assertThat(stagedSessions(customerId)).isEqualTo(1);
    }

    @Test
    void aSlowCodeExchangeIs504AfterOneAttemptAndStoresNothing() {
        String customerId = customer();
        String code = SimulatedConnections.codeAuthorizedAtFinch(customerId);
        everyRequest().fault("auth.token", Map.of("latency_ms", config.requestTimeout().toMillis() + 500));

        problem(authorize(code, customerId), 504, "finch-timeout");

        assertThat(everyRequest().requests("auth.token")).as("a single-use code is sent once").isEqualTo(1);
        assertThat(connections(customerId)).isZero();
    }

    @Test
    void aShortRetryAfterIsWaitedOutAndTheCallSucceeds() {
        String customerId = customer();
        everyRequest().fault("connect.sessions", Map.of("status", 429, "retry_after_seconds", 1, "times", 1));

        long started = System.nanoTime();
        createSession(customerId).statusCode(201).contentType("application/json");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(2);
        assertThat(stagedSessions(customerId)).isEqualTo(1);

        // Each reauthenticate call makes a new session at Finch: it is sent once, and even a short wait is the caller's.
        String connectionId = connectedCustomer();
        everyRequest().fault("connect.sessions.reauthenticate", Map.of("status", 429, "retry_after_seconds", 1, "times", 1));
        problem(reauthenticate(connectionId), 503, "finch-rate-limited").header("Retry-After", "1");
        assertThat(everyRequest().requests("connect.sessions.reauthenticate")).isEqualTo(1);
        reauthenticate(connectionId).statusCode(200).body("connection_id", equalTo(connectionId));
        assertThat(everyRequest().requests("connect.sessions.reauthenticate")).isEqualTo(2);
    }

    @Test
    void aLongRetryAfterIsPassedOnAs503WithRetryAfterWithoutWaiting() {
        String customerId = customer();
        everyRequest().fault("connect.sessions", Map.of("status", 429, "retry_after_seconds", 60));

        problem(createSession(customerId), 503, "finch-rate-limited").header("Retry-After", "60")
                .body("retry_after_seconds", equalTo(60));
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1);
        assertThat(stagedSessions(customerId)).isZero();

        String connectionId = connectedCustomer();
        everyRequest().fault("connect.sessions.reauthenticate", Map.of("status", 429, "retry_after_seconds", 60));
        problem(reauthenticate(connectionId), 503, "finch-rate-limited").header("Retry-After", "60");
        assertThat(everyRequest().requests("connect.sessions.reauthenticate")).isEqualTo(1);
    }

    @Test
    void aRateLimitedCodeExchangeIsNotRetriedEvenWithAShortRetryAfter() {
        String customerId = customer();
        String code = SimulatedConnections.codeAuthorizedAtFinch(customerId);
        everyRequest().fault("auth.token", Map.of("status", 429, "retry_after_seconds", 1, "times", 1));

        problem(authorize(code, customerId), 503, "finch-rate-limited").header("Retry-After", "1");

        assertThat(everyRequest().requests("auth.token")).isEqualTo(1);
        assertThat(connections(customerId)).isZero();
        // Finch refused it before using it: the caller's own retry with the same code connects, once.
        authorize(code, customerId).statusCode(201);
        assertThat(connections(customerId)).isEqualTo(1);
    }

    @Test
    void serverErrorsAreRetriedABoundedNumberOfTimesThenAre502() {
        String customerId = customer();
        everyRequest().fault("connect.sessions", Map.of("status", 500));
        problem(createSession(customerId), 502, "finch-unavailable");
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1 + config.retry().maxRetries());
        assertThat(stagedSessions(customerId)).isZero();

        finchHealthy();
        everyRequest().fault("connect.sessions", Map.of("status", 503, "times", config.retry().maxRetries()));
        createSession(customerId).statusCode(201);
        assertThat(everyRequest().requests("connect.sessions")).as("transient 5xx retried to success").isEqualTo(1 + config.retry().maxRetries());

        String connectionId = connectedCustomer();
        finchHealthy();
        everyRequest().fault("connect.sessions.reauthenticate", Map.of("status", 502));
        problem(reauthenticate(connectionId), 502, "finch-unavailable");
        assertThat(everyRequest().requests("connect.sessions.reauthenticate")).as("not idempotent: never retried").isEqualTo(1);

        String other = customer();
        finchHealthy();
        String code = SimulatedConnections.codeAuthorizedAtFinch(other);
        everyRequest().fault("auth.token", Map.of("status", 500));
        problem(authorize(code, other), 502, "finch-unavailable");
        assertThat(everyRequest().requests("auth.token")).as("a single-use code is sent once").isEqualTo(1);
        assertThat(connections(other)).isZero();
    }

    @Test
    void aResetConnectionIsRetriedAndWhenItPersistsIs502() {
        String customerId = customer();
        everyRequest().fault("connect.sessions", Map.of("reset", true, "times", 1));
        createSession(customerId).statusCode(201);
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(2);

        String other = customer();
        finchHealthy();
        everyRequest().fault("connect.sessions", Map.of("reset", true));
        problem(createSession(other), 502, "finch-unavailable");
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1 + config.retry().maxRetries());
        assertThat(stagedSessions(other)).isZero();

        finchHealthy();
        String code = SimulatedConnections.codeAuthorizedAtFinch(other);
        everyRequest().fault("auth.token", Map.of("reset", true, "times", 1));
        problem(authorize(code, other), 502, "finch-unavailable");
        assertThat(everyRequest().requests("auth.token")).as("a reset exchange is not sent again").isEqualTo(1);
        assertThat(connections(other)).isZero();
    }

    @Test
    void theCallbackExchangesTheCodeOnceAndAFailedExchangeStoresNothing() {
        String customerId = customer();
        String connectUrl = writer().body(Map.of("customer_id", customerId, "customer_name", "Acme",
                "products", List.of("company"), "redirect_uri", TestStack.REDIRECT_URI)).post(SESSIONS)
                .then().statusCode(201).extract().path("connect_url");
        String sessionId = Sql.single("SELECT session_id FROM staged_sessions WHERE customer_id = ?", customerId).toString();
        String state = URLDecoder.decode(connectUrl.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);
        String code = Finch.completeSession(sessionId).code();
        // A 500 leaves open whether Finch spent the code (a 503, or no connection at all, gives the state back:
        // StrandedGrantTest), so the state stays used.
        everyRequest().fault("auth.token", Map.of("status", 500));

        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback").then().statusCode(502)
                .body(containsString("exchange_failed"));
        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback").then().statusCode(400)
                .body(containsString("replayed_state"));

        assertThat(everyRequest().requests("auth.token")).as("one exchange, never repeated").isEqualTo(1);
        assertThat(connections(customerId)).isZero();
    }

    @Test
    void theBreakerOpensForEveryFinchCallFailsFastAndClosesAfterItsDelay() {
        String connectionId = connectedCustomer();
        String waiting = customer();
        String code = SimulatedConnections.codeAuthorizedAtFinch(waiting);
        finchHealthy();
        everyRequest().fault("connect.sessions", Map.of("status", 500));
        problem(createSession(customer()), 502, "finch-unavailable");
        // The breaker may open during this call's retries: its last attempt then fails fast.
        ValidatableResponse second = createSession(customer()).contentType("application/problem+json")
                .body("type", endsWith("/finch-unavailable"));
        assertThat(second.extract().statusCode()).isIn(502, 503);
        assertThat(breakers.currentState(FinchCallPolicy.CIRCUIT_BREAKER)).isEqualTo(CircuitBreakerState.OPEN);
        long reachedFinch = everyRequest().requests("connect.sessions");

        problem(createSession(customer()), 503, "finch-unavailable");
        problem(reauthenticate(connectionId), 503, "finch-unavailable");
        problem(authorize(code, waiting), 503, "finch-unavailable");
        assertThat(everyRequest().requests("connect.sessions")).as("an open breaker keeps calls from Finch").isEqualTo(reachedFinch);
        assertThat(everyRequest().requests("connect.sessions.reauthenticate")).isZero();
        assertThat(everyRequest().requests("auth.token")).isZero();

        everyRequest().clearFaults().resetRequests();
        Awaitility.await().pollDelay(config.circuitBreaker().delay()).pollInterval(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(20)).until(() -> createSession(customer()).extract().statusCode() == 201);
        assertThat(breakers.currentState(FinchCallPolicy.CIRCUIT_BREAKER)).isEqualTo(CircuitBreakerState.CLOSED);
        // The code never reached Finch while the breaker was open, so it still connects the customer, once.
        authorize(code, waiting).statusCode(201);
        reauthenticate(connectionId).statusCode(200);
        assertThat(connections(waiting)).isEqualTo(1);
    }

    private ValidatableResponse problem(ValidatableResponse response, int status, String type) {
        return response.statusCode(status).contentType("application/problem+json").body("status", equalTo(status))
                .body("type", endsWith("/" + type));
    }

    private String customer() {
        String customerId = uniqueCustomerId();
        customers.add(customerId);
        return customerId;
    }

    /** A connection established through the service, with Finch healthy, for the reauthenticate endpoint. */
    private String connectedCustomer() {
        finchHealthy();
        String connectionId = SimulatedConnections.establishedThroughTheService(customer());
        finchHealthy();
        return connectionId;
    }

    private static ValidatableResponse createSession(String customerId) {
        return writer().body(Map.of("customer_id", customerId, "customer_name", "Acme " + customerId,
                "products", List.of("company", "directory"))).post(SESSIONS).then();
    }

    private static ValidatableResponse reauthenticate(String connectionId) {
        return writer().body(Map.of("connection_id", connectionId)).post(REAUTHENTICATE).then();
    }

    private static ValidatableResponse authorize(String code, String customerId) {
        return writer().body(Map.of("code", code, "customer_id", customerId)).post(AUTHORIZATIONS).then();
    }

    private static RequestSpecification writer() {
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json");
    }

    private static long stagedSessions(String customerId) {
        return Sql.count("SELECT count(*) FROM staged_sessions WHERE customer_id = ?", customerId);
    }

    private static long connections(String customerId) {
        return Sql.count("SELECT count(*) FROM connections WHERE customer_id = ?", customerId);
    }
}
