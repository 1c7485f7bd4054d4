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
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * The service follows Finch's rules (docs/finch.md), seen through its HTTP API against the strict simulator:
 * Finch's field rules checked before any Finch call, Finch's retry rules for idempotent calls, Finch's own error
 * fields passed on, and the token response's customer checked against the flow's.
 */
@QuarkusTest
class FinchRulesThroughTheApiTest {

    private static final String SESSIONS = "/v1/connect/sessions";

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    @AfterEach
    void finchHealthy() {
        everyRequest().clearFaults().resetRequests();
        breakers.resetAll();
    }

    @Test
    void minutesToExpireAndRecordkeepingAreRefusedAsFinchWouldBeforeAnyFinchCall() {
        for (Object minutes : List.of(0, 129_601, 525_600, 90.5, 60.0, "60")) {
            invalid(session(uniqueCustomerId()), Map.of("minutes_to_expire", minutes), "minutes_to_expire");
        }
        invalid(session(uniqueCustomerId()), Map.of("recordkeeping", Map.of("recordkeeper", "voya")), "recordkeeping");
        invalid(session(uniqueCustomerId()), Map.of("products", List.of("recordkeeping"),
                "recordkeeping", Map.of("recordkeeper", "vanguard")), "recordkeeping.recordkeeper");
        invalid(session(uniqueCustomerId()), Map.of("products", List.of("recordkeeping"),
                "recordkeeping", Map.of("recordkeeper", "voya", "plan_id", 7)), "recordkeeping.plan_id");
        writer().body(Map.of("connection_id", "any", "minutes_to_expire", 129_601))
                .post("/v1/connect/sessions/reauthenticate").then().statusCode(400)
                .contentType("application/problem+json").body("field", equalTo("minutes_to_expire"));

        assertThat(everyRequest().requests("connect.sessions")).as("nothing reached Finch").isZero();
        assertThat(everyRequest().requests("connect.sessions.reauthenticate")).isZero();
    }

    @Test
    void validRecordkeepingAndTheLongestLifetimeReachFinch() {
        String customerId = uniqueCustomerId();
        Map<String, Object> body = session(customerId);
        body.put("products", List.of("company", "recordkeeping"));
        body.put("recordkeeping", Map.of("recordkeeper", "empower", "plan_id", "plan-42"));
        body.put("minutes_to_expire", 129_600);

        writer().body(body).post(SESSIONS).then().statusCode(201);

        Map<String, Object> atFinch = Finch.customer(customerId).getMap("session.recordkeeping");
        assertThat(atFinch).containsEntry("recordkeeper", "empower").containsEntry("plan_id", "plan-42");
        assertThat(Sql.single("SELECT recordkeeper FROM staged_sessions WHERE customer_id = ?", customerId)).isEqualTo("empower");
    }

    @Test
    void finchsRetryStatusesAreRetriedOnce() {
        for (int status : new int[] { 408, 409, 429, 500, 502, 503 }) {
            finchHealthy();
            everyRequest().fault("connect.sessions", Map.of("status", status, "times", 1));

            createSession(uniqueCustomerId()).statusCode(201);

            assertThat(everyRequest().requests("connect.sessions")).as("HTTP %d is retried", status).isEqualTo(2);
        }
    }

    @Test
    void xShouldRetryOverridesTheStatus() {
        everyRequest().fault("connect.sessions", Map.of("status", 400, "should_retry", true, "times", 1));
        createSession(uniqueCustomerId()).statusCode(201);
        assertThat(everyRequest().requests("connect.sessions")).as("a 400 Finch says to retry").isEqualTo(2);

        finchHealthy();
        everyRequest().fault("connect.sessions", Map.of("status", 503, "should_retry", false, "times", 1));
        problem(createSession(uniqueCustomerId()), 502, "finch-unavailable");
        assertThat(everyRequest().requests("connect.sessions")).as("a 503 Finch says not to retry").isEqualTo(1);
    }

    @Test
    void notImplementedIsFinalAndTheCodeExchangeIsNeverRetried() {
        everyRequest().fault("connect.sessions", Map.of("status", 501, "times", 1));
        problem(createSession(uniqueCustomerId()), 502, "finch-rejected").body("finch_status", equalTo(501))
                .body("finch_name", equalTo("not_implemented_error"));
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1);

        finchHealthy();
        String customerId = uniqueCustomerId();
        String code = SimulatedConnections.codeAuthorizedAtFinch(customerId);
        everyRequest().clearFaults().resetRequests();
        everyRequest().fault("auth.token", Map.of("status", 409, "times", 1));
        writer().body(Map.of("code", code, "customer_id", customerId)).post("/v1/connect/authorizations").then()
                .statusCode(409).contentType("application/problem+json");
        assertThat(everyRequest().requests("auth.token")).as("a single-use code is sent once, whatever Finch answers").isEqualTo(1);
    }

    @Test
    void theWaitHonoursRetryAfterMsFractionalRetryAfterAndAnHttpDate() {
        assertWaitsAtLeast(Map.of("status", 429, "retry_after_ms", "700", "times", 1), 700);
        assertWaitsAtLeast(Map.of("status", 503, "retry_after", "0.8", "times", 1), 800);
        finchHealthy();
        // An HTTP-date has whole seconds, so the retry must come no sooner than that second, however long the
        // requests before it took (the test profile waits for at most three seconds).
        ZonedDateTime date = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(3).withNano(0);
        everyRequest().fault("connect.sessions", Map.of("status", 503, "retry_after", DateTimeFormatter.RFC_1123_DATE_TIME.format(date), "times", 1));

        createSession(uniqueCustomerId()).statusCode(201);

        assertThat(Instant.now()).as("the retry waited for the HTTP-date").isAfterOrEqualTo(date.toInstant().minusMillis(50));
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(2);
    }

    @Test
    void anUnexpectedFinchRefusalReachesTheCallerWithFinchsFields() {
        String customerId = uniqueCustomerId();
        // Connected at Finch, unknown to the service: Finch refuses a new session with a body no source prints.
        SimulatedConnections.codeAuthorizedAtFinch(customerId);
        everyRequest().clearFaults().resetRequests();

        problem(createSession(customerId), 400, "finch-rejected")
                .body("finch_status", equalTo(400))
                .body("finch_name", equalTo("bad_request"))
                .body("finch_code", equalTo("invalid_request"))
                .body("finch_message", containsString("reauthenticate"));
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1);
        assertThat(Sql.count("SELECT count(*) FROM staged_sessions WHERE customer_id = ?", customerId)).isZero();
    }

    @Test
    void aCodeOfAnotherCustomerStoresNothingInTheEmbeddedFlow() {
        String owner = uniqueCustomerId();
        String other = uniqueCustomerId();
        String code = SimulatedConnections.codeAuthorizedAtFinch(owner);

        problem(writer().body(Map.of("code", code, "customer_id", other)).post("/v1/connect/authorizations").then(),
                409, "customer-mismatch");

        assertThat(Sql.count("SELECT count(*) FROM connections WHERE customer_id IN (?, ?)", owner, other)).isZero();
        assertThat(Sql.count("SELECT count(*) FROM customers WHERE customer_id IN (?, ?)", owner, other)).isZero();
    }

    @Test
    void aCodeOfAnotherCustomerStoresNothingInTheRedirectFlow() {
        String victim = uniqueCustomerId();
        String attacker = uniqueCustomerId();
        String victimsLink = redirectSession(victim);
        String attackersCode = completeAtFinch(redirectSession(attacker));

        given().queryParam("code", attackersCode).queryParam("state", stateOf(victimsLink)).get("/v1/connect/callback")
                .then().statusCode(409).body(containsString("customer_mismatch"));

        assertThat(Sql.count("SELECT count(*) FROM connections WHERE customer_id IN (?, ?)", victim, attacker)).isZero();
    }

    private void assertWaitsAtLeast(Map<String, Object> fault, long millis) {
        finchHealthy();
        everyRequest().fault("connect.sessions", fault);
        long started = System.nanoTime();

        createSession(uniqueCustomerId()).statusCode(201);

        long elapsed = (System.nanoTime() - started) / 1_000_000;
        assertThat(elapsed).as("waited for %s", fault).isGreaterThanOrEqualTo(millis);
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(2);
    }

    private static void invalid(Map<String, Object> body, Map<String, Object> changes, String field) {
        body.putAll(changes);
        writer().body(body).post(SESSIONS).then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo(field));
    }

    private static Map<String, Object> session(String customerId) {
        Map<String, Object> body = new HashMap<>();
        body.put("customer_id", customerId);
        body.put("customer_name", "Acme " + customerId);
        body.put("products", List.of("company", "directory"));
        return body;
    }

    private static String redirectSession(String customerId) {
        Map<String, Object> body = session(customerId);
        body.put("redirect_uri", TestStack.REDIRECT_URI);
        return writer().body(body).post(SESSIONS).then().statusCode(201).extract().path("connect_url");
    }

    private static String completeAtFinch(String connectUrl) {
        String sessionId = connectUrl.replaceAll(".*[?&]session=([^&]*).*", "$1");
        return Finch.completeSession(sessionId).code();
    }

    private static String stateOf(String connectUrl) {
        return URLDecoder.decode(connectUrl.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);
    }

    private static ValidatableResponse createSession(String customerId) {
        return writer().body(session(customerId)).post(SESSIONS).then();
    }

    private static ValidatableResponse problem(ValidatableResponse response, int status, String type) {
        return response.statusCode(status).contentType("application/problem+json").body("status", equalTo(status))
                .body("type", endsWith("/" + type));
    }

    private static RequestSpecification writer() {
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json");
    }
}
