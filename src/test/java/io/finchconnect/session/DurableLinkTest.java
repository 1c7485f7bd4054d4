package io.finchconnect.session;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
class DurableLinkTest {

    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @Test
    void reauthNeededCarriesTheEpisodesLinkWhichOutlivesAFailedExchangeAndEndsWithTheEpisode() throws Exception {
        String customerId = "cust-" + UUID.randomUUID();
        String connectionId = SimulatedConnections.establishedThroughTheService(customerId);
        Finch.setStatusUndelivered(connectionId, "reauth");
        as("connections:report").post("/v1/connections/" + connectionId + "/reauth-required").then().statusCode(200);

        // established, reauth_needed as detected, reauth_needed with its session and link
        List<Event> events = topic.eventsWithKey(java.time.Duration.ofSeconds(60), connectionId, 3);
        JsonNode announced = new ObjectMapper().readTree(events.get(2).value());
        assertThat(announced.has("reauth_session")).isTrue();
        assertThat(new ObjectMapper().readTree(events.get(1).value()).has("reauth_link")).isFalse();
        String url = announced.at("/reauth_link/url").asText();
        assertThat(url).startsWith("http://localhost:").contains("/connect/");
        assertThat(OffsetDateTime.parse(announced.at("/reauth_link/expires_at").asText()))
                .isAfter(OffsetDateTime.now().plusDays(29));
        String sessionId = announced.at("/reauth_session/session_id").asText();

        String first = visit(url);
        assertThat(session(first)).isEqualTo(sessionId);
        given().queryParam("code", "not-a-code").queryParam("state", state(first)).get("/v1/connect/callback")
                .then().statusCode(400);
        String apiLink = as("sessions:read").get("/v1/customers/" + customerId + "/connect-link").then().statusCode(200)
                .body("kind", equalTo("reauth")).body("link.link_id", org.hamcrest.Matchers.notNullValue())
                .extract().path("link.url");
        assertThat(apiLink).contains("/connect/").isNotEqualTo(url);

        String second = visit(url);
        String code = Finch.completeSession(session(second)).code();
        given().queryParam("code", code).queryParam("state", state(second)).get("/v1/connect/callback")
                .then().statusCode(200).body(containsString("reauthenticated"));

        Finch.aboutCustomer(customerId).resetRequests();
        given().redirects().follow(false).get(url).then().statusCode(404);
        given().redirects().follow(false).get(apiLink).then().statusCode(200).body(containsString("already_connected"));
        assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions")).isZero();
        assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions.reauthenticate")).isZero();
    }

    @Test
    void reauthSessionsUseTheRedirectUriOfTheCustomersLastSessionRequest() throws Exception {
        String customerId = customerWithSession(TestStack.OTHER_REDIRECT_URI);
        String url = as("sessions:write").post("/v1/customers/" + customerId + "/connect-links").then().statusCode(201)
                .extract().path("url");
        String connecting = visit(url);
        Finch.Authorization authorized = Finch.completeSession(session(connecting));
        assertThat(authorized.redirectUri()).isEqualTo(TestStack.OTHER_REDIRECT_URI);
        given().queryParam("code", authorized.code()).queryParam("state", state(connecting)).get("/v1/connect/callback")
                .then().statusCode(200).body(containsString("established"));
        String connectionId = authorized.connectionId();

        Finch.setStatusUndelivered(connectionId, "reauth");
        as("connections:report").post("/v1/connections/" + connectionId + "/reauth-required").then().statusCode(200);
        List<Event> events = topic.eventsWithKey(java.time.Duration.ofSeconds(60), connectionId, 3);
        JsonNode announced = new ObjectMapper().readTree(events.get(2).value());
        String episodeLink = announced.at("/reauth_link/url").asText();
        String announcedSession = announced.at("/reauth_session/session_id").asText();
        assertThat(Sql.single("SELECT redirect_uri FROM reauth_sessions WHERE session_id = ?", announcedSession))
                .isEqualTo(TestStack.OTHER_REDIRECT_URI);

        // The episode's session expired (and with it the sweeper's lease of long ago): the visit has one created, with
        // the same redirect URI, not the service's default.
        Sql.update("UPDATE reauth_sessions SET expires_at = now() - interval '1 minute' WHERE connection_id = ?", connectionId);
        Sql.update("UPDATE connections SET reauth_next_attempt_at = NULL WHERE connection_id = ?", connectionId);
        String reauthenticating = visit(episodeLink);
        assertThat(session(reauthenticating)).isNotEqualTo(announcedSession);
        Finch.Authorization reauthorized = Finch.completeSession(session(reauthenticating));
        assertThat(reauthorized.redirectUri()).isEqualTo(TestStack.OTHER_REDIRECT_URI);
        given().queryParam("code", reauthorized.code()).queryParam("state", state(reauthenticating))
                .get("/v1/connect/callback").then().statusCode(200).body(containsString("reauthenticated"));
    }

    @Test
    void aRedirectUriNoLongerConfiguredGivesWayToTheDefault() throws Exception {
        String customerId = customerWithSession(TestStack.OTHER_REDIRECT_URI);
        String connectionId = SimulatedConnections.establishedThroughTheService(customerId);
        Sql.update("UPDATE staged_sessions SET redirect_uri = 'https://removed.example/v1/connect/callback' WHERE customer_id = ?",
                customerId);
        Finch.setStatusUndelivered(connectionId, "reauth");
        as("connections:report").post("/v1/connections/" + connectionId + "/reauth-required").then().statusCode(200);

        JsonNode announced = new ObjectMapper().readTree(topic.eventsWithKey(java.time.Duration.ofSeconds(60), connectionId, 3)
                .get(2).value());
        assertThat(Sql.single("SELECT redirect_uri FROM reauth_sessions WHERE session_id = ?",
                announced.at("/reauth_session/session_id").asText())).isEqualTo(TestStack.REDIRECT_URI);
    }

    @Test
    void eachVisitGetsAFreshStateAndAFailedExchangeSpendsOnlyThatVisitsState() {
        String customerId = customerWithSession();
        Map<String, Object> link = as("sessions:write").post("/v1/customers/" + customerId + "/connect-links")
                .then().statusCode(201).body("purpose", equalTo("connect")).extract().as(Map.class);
        String url = (String) link.get("url");
        assertThat(OffsetDateTime.parse((String) link.get("expires_at"))).isBetween(OffsetDateTime.now().plusDays(6),
                OffsetDateTime.now().plusDays(8));
        String token = url.substring(url.lastIndexOf('/') + 1);
        assertThat(Sql.single("SELECT count(*) FROM connect_links WHERE encode(token_hash, 'escape') LIKE ?", "%" + token + "%"))
                .as("the token is stored hashed").isEqualTo(0L);
        List<String> logged = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage()
                        : String.valueOf(record.getMessage()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger.getLogger("").addHandler(capture);
        try {
            visitsAndExchanges(customerId, url);
        } finally {
            java.util.logging.Logger.getLogger("").removeHandler(capture);
        }
        assertThat(logged).as("what the service logged while the link was visited").isNotEmpty()
                .noneMatch(message -> message != null && message.contains(token));
        assertThat(io.finchconnect.testing.ManagementInterface.given().get("/q/metrics").then().statusCode(200).extract()
                .asString()).as("the metrics").doesNotContain(token);
    }

    private void visitsAndExchanges(String customerId, String url) {

        String first = visit(url);
        String second = visit(url);
        assertThat(state(first)).isNotEqualTo(state(second));
        assertThat(session(first)).isEqualTo(session(second));

        // A code Finch refuses: the exchange fails and spends the first visit's state, not the link.
        given().queryParam("code", "not-a-code").queryParam("state", state(first)).get("/v1/connect/callback")
                .then().statusCode(400).body(containsString("exchange_failed"));
        given().queryParam("code", "not-a-code").queryParam("state", state(first)).get("/v1/connect/callback")
                .then().body(containsString("replayed_state"));
        // Finch failing at /auth/token spends that visit's state too.
        String third = visit(url);
        Finch.everyRequest().fault("auth.token", Map.of("status", 500, "times", 1));
        try {
            given().queryParam("code", "not-a-code").queryParam("state", state(third)).get("/v1/connect/callback")
                    .then().statusCode(502).body(containsString("exchange_failed"));
        } finally {
            Finch.everyRequest().clearFaults();
        }

        String fourth = visit(url);
        String code = Finch.completeSession(session(fourth)).code();
        given().queryParam("code", code).queryParam("state", state(fourth)).get("/v1/connect/callback")
                .then().statusCode(200).body(containsString("established"));

        Finch.aboutCustomer(customerId).resetRequests();
        given().redirects().follow(false).get(url).then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("already_connected"));
        assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions")).as("no Finch call").isZero();
    }

    @Test
    void anExpiredStagedSessionIsRefreshedOnceForFiftyConcurrentVisits() throws Exception {
        String customerId = customerWithSession();
        String url = as("sessions:write").contentType("application/json").body(Map.of("expires_in_days", 2))
                .post("/v1/customers/" + customerId + "/connect-links").then().statusCode(201).extract().path("url");
        Sql.update("UPDATE staged_sessions SET expires_at = now() - interval '1 minute' WHERE customer_id = ?", customerId);
        Finch.aboutCustomer(customerId).resetRequests();

        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        List<CompletableFuture<HttpResponse<String>>> visits = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            visits.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<String> states = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> visit : visits) {
            HttpResponse<String> response = visit.get();
            assertThat(response.statusCode()).isEqualTo(303);
            states.add(state(response.headers().firstValue("Location").orElseThrow()));
        }
        assertThat(states).doesNotHaveDuplicates();
        assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions")).as("one staged session at Finch").isEqualTo(1);
        assertThat(Sql.single("SELECT expires_at > now() FROM staged_sessions WHERE customer_id = ?", customerId)).isEqualTo(true);
    }

    @Test
    void unknownExpiredAndRevokedLinksGetTheSamePageAndVisitsAreLimitedPerLink() {
        String customerId = customerWithSession();
        Map<String, Object> link = as("sessions:write").contentType("application/json").body(Map.of("purpose", "reauthenticate"))
                .post("/v1/customers/" + customerId + "/connect-links").then().statusCode(201)
                .body("purpose", equalTo("reauthenticate")).extract().as(Map.class);
        String url = (String) link.get("url");
        String linkId = (String) link.get("link_id");
        visit(url);

        String forged = given().redirects().follow(false).get("/connect/" + "A".repeat(43)).then().statusCode(404)
                .contentType(containsString("text/html")).extract().asString();
        String malformed = given().redirects().follow(false).get("/connect/nope").then().statusCode(404).extract().asString();
        as("sessions:write").delete("/v1/connect-links/" + linkId).then().statusCode(204);
        as("sessions:write").delete("/v1/connect-links/" + linkId).then().statusCode(204);
        String revoked = given().redirects().follow(false).get(url).then().statusCode(404).extract().asString();
        String expiring = as("sessions:write").post("/v1/customers/" + customerId + "/connect-links").then().statusCode(201)
                .extract().path("url");
        Sql.update("UPDATE connect_links SET expires_at = now() - interval '1 second' WHERE customer_id = ? AND revoked_at IS NULL",
                customerId);
        String expired = given().redirects().follow(false).get(expiring).then().statusCode(404).extract().asString();
        assertThat(List.of(malformed, revoked, expired)).allSatisfy(page -> assertThat(page).isEqualTo(forged));

        as("connections:read").get("/v1/customers/" + customerId).then().statusCode(200).body("links", hasSize(2))
                .body("links[0].link_id", equalTo(linkId)).body("links[0].status", equalTo("revoked"))
                .body("links[1].status", equalTo("expired"));

        String limited = as("sessions:write").post("/v1/customers/" + customerId + "/connect-links").then().statusCode(201)
                .extract().path("url");
        for (int i = 0; i < 60; i++) {
            given().redirects().follow(false).get(limited).then().statusCode(303);
        }
        given().redirects().follow(false).get(limited).then().statusCode(429).contentType(containsString("text/html"))
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void visitsFromOneAddressAreLimitedWhateverTheLinkAndKnownOrNot() {
        String customerId = customerWithSession();
        String url = as("sessions:write").post("/v1/customers/" + customerId + "/connect-links").then().statusCode(201)
                .extract().path("url");
        visit(url);
        // The test profile lifts the address limit (every test visits from this one address): this address is
        // given more visits this minute and the next than any limit, which then refuses whatever link it opens.
        Sql.update("INSERT INTO connect_link_visits (bucket, window_start, visits) SELECT bucket, window_start + shift, 1000000000 "
                + "FROM connect_link_visits, (VALUES (interval '0'), (interval '1 minute')) AS shifts (shift) "
                + "WHERE bucket LIKE 'address:%' AND window_start = date_trunc('minute', now()) "
                + "ON CONFLICT (bucket, window_start) DO UPDATE SET visits = EXCLUDED.visits");
        try {
            for (String link : List.of(url, "/connect/" + "B".repeat(43))) {
                given().redirects().follow(false).get(link).then().statusCode(429).contentType(containsString("text/html"))
                        .header("Retry-After", org.hamcrest.Matchers.notNullValue()).header("Cache-Control", "no-store")
                        .body(containsString("too_many_visits"));
            }
        } finally {
            Sql.update("DELETE FROM connect_link_visits WHERE bucket LIKE 'address:%'");
        }
        visit(url);
    }

    @Test
    void whileFinchCannotMakeTheSessionTheVisitGetsTheNotReadyPageAndTheSameLinkWorksAfter() {
        String customerId = customerWithSession();
        String url = as("sessions:write").post("/v1/customers/" + customerId + "/connect-links").then().statusCode(201)
                .extract().path("url");
        Sql.update("UPDATE staged_sessions SET expires_at = now() - interval '1 minute' WHERE customer_id = ?", customerId);
        // Finch unavailable for every attempt of the refresh (the first and the client's two retries).
        Finch.aboutCustomer(customerId).fault("connect.sessions", Map.of("status", 503, "times", 3));
        try {
            given().redirects().follow(false).get(url).then().statusCode(503).contentType(containsString("text/html"))
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue()).header("Cache-Control", "no-store")
                    .body(containsString("not_ready"));
        } finally {
            Finch.aboutCustomer(customerId).clearFaults();
        }
        // The interval between a customer's Finch calls passed: the same link's next visit refreshes the session.
        Sql.update("DELETE FROM connect_link_finch_calls WHERE customer_id = ?", customerId);
        visit(url);
        assertThat(Sql.single("SELECT expires_at > now() FROM staged_sessions WHERE customer_id = ?", customerId)).isEqualTo(true);
    }

    @Test
    void badRequestsAreProblemsAndUnknownCustomersAreNotFound() {
        String customerId = customerWithSession();
        for (Map<String, Object> body : List.<Map<String, Object>>of(Map.of("purpose", "sell"), Map.of("expires_in_days", 31),
                Map.of("expires_in_days", 0), Map.of("expires_in_days", 1.5))) {
            as("sessions:write").contentType("application/json").body(body).post("/v1/customers/" + customerId + "/connect-links")
                    .then().statusCode(400).contentType("application/problem+json");
        }
        as("sessions:write").post("/v1/customers/nobody-" + UUID.randomUUID() + "/connect-links").then().statusCode(404)
                .contentType("application/problem+json");
        as("sessions:write").delete("/v1/connect-links/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
        as("sessions:write").delete("/v1/connect-links/nope").then().statusCode(400).contentType("application/problem+json");
        as("sessions:read").post("/v1/customers/" + customerId + "/connect-links").then().statusCode(403);
        given().post("/v1/customers/" + customerId + "/connect-links").then().statusCode(401);
    }

    private static String customerWithSession() {
        return customerWithSession(TestStack.REDIRECT_URI);
    }

    private static String customerWithSession(String redirectUri) {
        String customerId = "cust-" + UUID.randomUUID();
        as("sessions:write").contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Acme", "products", List.of("company", "directory"),
                        "redirect_uri", redirectUri))
                .post("/v1/connect/sessions").then().statusCode(201);
        return customerId;
    }

    /** Visits the link; returns where it sends the browser (Finch's Connect page). */
    private static String visit(String url) {
        Response response = given().redirects().follow(false).get(url);
        response.then().statusCode(303).header("Location", startsWith(TestStack.get().finchBaseUrl()))
                .header("Cache-Control", "no-store");
        return response.header("Location");
    }

    private static String state(String location) {
        return URLDecoder.decode(location.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);
    }

    private static String session(String location) {
        return location.replaceAll(".*[?&]session=([^&]*).*", "$1");
    }

    private static RequestSpecification as(String role) {
        return given().auth().oauth2(TestStack.get().jwt().token(role));
    }
}
