package io.finchconnect.session;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
class SessionResourceTest {

    @Test
    void theFirstCallCreatesAndARepeatRefreshesTheSameSessionWithTheNewParameters() {
        String customerId = "cust-" + UUID.randomUUID();
        String sessionId = writer().body(body(customerId, "Acme", List.of("company", "directory")))
                .post("/v1/connect/sessions").then().statusCode(201).body("refreshed", equalTo(false))
                .body("customer_id", equalTo(customerId)).extract().path("session_id");

        writer().body(body(customerId, "Acme Renamed", "company directory payment")).post("/v1/connect/sessions")
                .then().statusCode(200).body("refreshed", equalTo(true)).body("session_id", equalTo(sessionId));

        assertThat(Sql.single("SELECT customer_name FROM customers WHERE customer_id = ?", customerId)).isEqualTo("Acme Renamed");
        assertThat(Sql.single("SELECT array_to_string(products, ' ') FROM staged_sessions WHERE customer_id = ?", customerId))
                .isEqualTo("company directory payment");
        assertThat(Finch.customer(customerId).getString("session.customer_name")).isEqualTo("Acme Renamed");
    }

    @Test
    void fiftyConcurrentRequestsForANewCustomerEndWithOneStagedSession() {
        String customerId = "cust-" + UUID.randomUUID();
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> writer().body(body(customerId, "Acme", List.of("company")))
                    .post("/v1/connect/sessions")));
        }
        List<Response> responses = calls.stream().map(CompletableFuture::join).toList();

        assertThat(responses).extracting(Response::statusCode).containsOnly(200, 201).containsOnlyOnce(201);
        assertThat(responses.stream().map(r -> r.jsonPath().getString("session_id")).distinct()).hasSize(1);
        assertThat(Sql.count("SELECT count(*) FROM staged_sessions WHERE customer_id = ?", customerId)).isEqualTo(1);
    }

    @Test
    void everyFieldIsValidatedAndTheFieldAtFaultIsNamed() {
        assertInvalid(body("", "Acme", List.of("company")), "customer_id");
        assertInvalid(body("x".repeat(256), "Acme", List.of("company")), "customer_id");
        assertInvalid(body("c-" + UUID.randomUUID(), null, List.of("company")), "customer_name");
        assertInvalid(body("c-" + UUID.randomUUID(), "Ac\u0000me", List.of("company")), "customer_name");
        assertInvalid(body("c-" + UUID.randomUUID(), "Acme", List.of("company", "payroll_magic")), "products");
        assertInvalid(body("c-" + UUID.randomUUID(), "Acme", List.of("benefits", "deduction")), "products");
        assertInvalid(body("c-" + UUID.randomUUID(), "Acme", List.of()), "products");
        Map<String, Object> sandbox = body("c-" + UUID.randomUUID(), "Acme", List.of("company"));
        sandbox.put("sandbox", "staging");
        assertInvalid(sandbox, "sandbox");
        Map<String, Object> redirect = body("c-" + UUID.randomUUID(), "Acme", List.of("company"));
        redirect.put("redirect_uri", "https://evil.example/callback");
        assertInvalid(redirect, "redirect_uri");
        Map<String, Object> integration = body("c-" + UUID.randomUUID(), "Acme", List.of("company"));
        integration.put("integration", Map.of("provider", "gusto", "auth_method", "telepathy"));
        assertInvalid(integration, "integration.auth_method");
        writer().body("{not json").post("/v1/connect/sessions").then().statusCode(400).contentType("application/problem+json");
        // Well-formed JSON of the wrong shape too (Quarkus maps that failure apart from other Jackson errors).
        writer().body("{\"customer_id\": {}}").post("/v1/connect/sessions").then().statusCode(400)
                .contentType("application/problem+json").body("type", containsString("invalid-request"));
        given().contentType("application/json").body(body("c", "Acme", List.of("company"))).post("/v1/connect/sessions")
                .then().statusCode(401);
        given().auth().oauth2(TestStack.get().jwt().token("sessions:read")).contentType("application/json")
                .body(body("c", "Acme", List.of("company"))).post("/v1/connect/sessions").then().statusCode(403);
    }

    @Test
    void aConnectedCustomerGetsConnectionExistsWithoutANewFinchSession() {
        String customerId = "cust-" + UUID.randomUUID();
        Map<String, Object> request = body(customerId, "Acme", List.of("company", "directory"));
        request.put("redirect_uri", TestStack.REDIRECT_URI);
        request.put("state", "caller-42");
        String connectUrl = writer().body(request).post("/v1/connect/sessions").then().statusCode(201)
                .extract().path("connect_url");
        String sessionId = connectUrl.replaceAll(".*[?&]session=([^&]*).*", "$1");
        String state = URLDecoder.decode(connectUrl.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);
        String code = Finch.completeSession(sessionId).code();
        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback").then().statusCode(200)
                .body(containsString("established"), containsString("caller-42"));
        String connectionId = (String) Sql.single("SELECT connection_id FROM connections WHERE customer_id = ?", customerId);
        try (EventTopic topic = new EventTopic("finch.connection-events")) {
            Event established = topic.eventsWithKey(Duration.ofSeconds(30), connectionId, 1).get(0);
            assertThat(established.headers()).containsEntry("ce_specversion", "1.0").containsEntry("ce_type", "finch.connection.established")
                    .containsEntry("ce_source", "/finch-connect-service").containsEntry("ce_subject", connectionId)
                    .containsEntry("content-type", "application/json").containsKeys("ce_id", "ce_time");
            assertThat(established.value()).contains(customerId, "\"connection_type\"", "\"entity_ids\"").doesNotContainIgnoringCase("token");
        }
        Finch.aboutCustomer(customerId).resetRequests();

        writer().body(body(customerId, "Acme", List.of("company"))).post("/v1/connect/sessions").then().statusCode(409)
                .contentType("application/problem+json").body("type", containsString("connection-exists"))
                .body("connection_id", equalTo(connectionId)).body("connection_status", equalTo("connected")).body("status", equalTo(409));
        assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions")).as("no call to Finch").isZero();
    }

    private static void assertInvalid(Map<String, Object> body, String field) {
        writer().body(body).post("/v1/connect/sessions").then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo(field));
    }

    private static RequestSpecification writer() {
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json");
    }

    private static Map<String, Object> body(String customerId, String name, Object products) {
        Map<String, Object> body = new HashMap<>();
        body.put("customer_id", customerId);
        if (name != null) {
            body.put("customer_name", name);
        }
        body.put("products", products);
        return body;
    }
}
