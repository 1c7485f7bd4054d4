package io.finchconnect.authorization;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.state.ConnectState;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Completing Connect flows: the embedded flow's code exchange, and the callback's refusals of forged states
 * and of Finch's errors, with nothing stored for them.
 */
@QuarkusTest
class ConnectFlowTest {

    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @Test
    void theEmbeddedFlowStoresTheConnectionAndAnnouncesItWithoutTheToken() throws Exception {
        String customerId = "cust-" + UUID.randomUUID();
        String code = SimulatedConnections.codeAuthorizedAtFinch(customerId);
        String token = TestStack.get().jwt().token("sessions:write");

        String connectionId = given().auth().oauth2(token).contentType("application/json")
                .body(Map.of("code", code, "customer_id", customerId)).post("/v1/connect/authorizations")
                .then().statusCode(201).body("outcome", equalTo("established")).extract().path("connection_id");
        given().auth().oauth2(token).contentType("application/json").body(Map.of("code", code, "customer_id", customerId))
                .post("/v1/connect/authorizations").then().statusCode(400).contentType("application/problem+json");

        Event event = topic.eventsWithKey(Duration.ofSeconds(30), connectionId, 1).get(0);
        assertThat(event.type()).isEqualTo("finch.connection.established");
        JsonNode data = new ObjectMapper().readTree(event.value());
        assertThat(data.fieldNames()).toIterable().containsExactlyInAnyOrder("connection_id", "customer_id", "customer_name",
                "company_id", "provider_id", "products", "connection_type", "entity_ids", "connected_at",
                "connection_status", "entities");
        assertThat(data.get("connection_status").asText()).isEqualTo("connected");
        assertThat(data.get("entities").findValuesAsText("status")).isNotEmpty().containsOnly("connected");
        assertThat(data.get("customer_id").asText()).isEqualTo(customerId);
        // A customer this service never staged a session for is created, named as Finch's token response names it.
        assertThat(data.get("customer_name").asText()).isEqualTo("Acme " + customerId);
        assertThat(Sql.single("SELECT customer_name FROM customers WHERE customer_id = ?", customerId)).isEqualTo("Acme " + customerId);
        assertThat(event.value()).doesNotContainIgnoringCase("token");
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("connected");
        assertThat(Sql.single("SELECT token_key_id FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("test-2");
    }

    @Test
    void theEmbeddedFlowNeedsItsRoleAndAValidBody() {
        given().contentType("application/json").body(Map.of("code", "c", "customer_id", "x"))
                .post("/v1/connect/authorizations").then().statusCode(401);
        given().auth().oauth2(TestStack.get().jwt().token("sessions:read")).contentType("application/json")
                .body(Map.of("code", "c", "customer_id", "x")).post("/v1/connect/authorizations").then().statusCode(403);
        given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("customer_id", "x")).post("/v1/connect/authorizations").then().statusCode(400)
                .body("field", equalTo("code"));
    }

    @Test
    void aForgedOrExpiredStateOrAFinchErrorStoresNothing() {
        String customerId = "cust-" + UUID.randomUUID();
        String code = SimulatedConnections.codeAuthorizedAtFinch(customerId);
        ConnectState ours = new ConnectState(Base64.getDecoder().decode(TestStack.get().config().get("connect.state-key")));
        ConnectState forger = new ConnectState(new byte[32]);

        given().queryParam("code", code).queryParam("state", forger.seal(ConnectState.Claims.issue(customerId, "s", null,
                Instant.now().plusSeconds(600)))).get("/v1/connect/callback")
                .then().statusCode(400).body(containsString("invalid_state"));
        given().queryParam("code", code).queryParam("state", ours.seal(ConnectState.Claims.issue(customerId, "s", null,
                Instant.now().minusSeconds(1)))).get("/v1/connect/callback")
                .then().statusCode(400).body(containsString("expired_state"));
        given().queryParam("error", "access_denied").queryParam("state", ours.seal(ConnectState.Claims.issue(customerId, "s",
                "caller-123", Instant.now().plusSeconds(600)))).get("/v1/connect/callback")
                .then().statusCode(400).body(containsString("finch_error"), containsString("caller-123"));
        given().get("/v1/connect/callback").then().statusCode(400).body(containsString("invalid_state"));
        // An authentic state for a session we never stored: not sent to Finch, so the code is not spent.
        given().queryParam("code", code).queryParam("state", ours.seal(ConnectState.Claims.issue(customerId, "s", null,
                Instant.now().plusSeconds(600)))).get("/v1/connect/callback")
                .then().statusCode(400).body(containsString("unknown_session"));
        // An authentic state of a real session with a code Finch does not know: Finch refuses it (400, not a 502).
        String state = stateOf(stageRedirectSession("cust-" + UUID.randomUUID()));
        given().queryParam("code", "not-a-code").queryParam("state", state).get("/v1/connect/callback")
                .then().statusCode(400).body(containsString("exchange_failed"));

        assertThat(Sql.count("SELECT count(*) FROM connections WHERE customer_id = ?", customerId)).isZero();
    }

    /**
     * The redirect flow through the callback against the strict simulator, which refuses a redirect-flow code
     * exchanged without its session's redirect_uri: only an exchange naming it establishes the connection.
     */
    @Test
    void theRedirectFlowExchangesTheCodeWithItsSessionsRedirectUri() {
        String customerId = "cust-" + UUID.randomUUID();
        String connectUrl = stageRedirectSession(customerId);
        String sessionId = connectUrl.replaceAll(".*[?&]session=([^&]*).*", "$1");
        String code = completeAtFinch(sessionId);

        given().queryParam("code", code).queryParam("state", stateOf(connectUrl)).get("/v1/connect/callback")
                .then().statusCode(200).body(containsString("established"));

        assertThat(Sql.single("SELECT status FROM connections WHERE customer_id = ?", customerId)).isEqualTo("connected");
        assertThat(Sql.single("SELECT redirect_uri FROM staged_sessions WHERE session_id = ?", sessionId))
                .isEqualTo(TestStack.REDIRECT_URI);
    }

    /** What the test above relies on: the simulator refuses the exchange the service used to send (no redirect_uri). */
    @Test
    void theSimulatorRefusesARedirectFlowCodeWithoutItsRedirectUri() {
        String customerId = "cust-" + UUID.randomUUID();
        String code = completeAtFinch(stageRedirectSession(customerId).replaceAll(".*[?&]session=([^&]*).*", "$1"));
        Map<String, String> config = TestStack.get().config();

        given().baseUri(TestStack.get().finchBaseUrl()).header("Finch-API-Version", "2020-09-17").contentType("application/json")
                .body(Map.of("code", code, "client_id", config.get("finch.client-id"), "client_secret", config.get("finch.client-secret")))
                .post("/auth/token").then().statusCode(400).body("name", equalTo("invalid_grant_error"));
        assertThat(Sql.count("SELECT count(*) FROM connections WHERE customer_id = ?", customerId)).isZero();
    }

    private static String stageRedirectSession(String customerId) {
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Acme " + customerId, "products", List.of("company"),
                        "redirect_uri", TestStack.REDIRECT_URI))
                .post("/v1/connect/sessions").then().statusCode(201).extract().path("connect_url");
    }

    private static String completeAtFinch(String sessionId) {
        return Finch.completeSession(sessionId).code();
    }

    private static String stateOf(String connectUrl) {
        return URLDecoder.decode(connectUrl.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);
    }
}
