package io.finchconnect.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConnectPageTest {

    private static FinchSimulator simulator;
    private static SimulatorClient client;

    @BeforeAll
    static void start() {
        simulator = FinchSimulator.start(FinchSimulator.Options.defaults());
        client = new SimulatorClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @Test
    void connectPageListsProvidersAndAnAuthorizeButton() {
        String customerId = SimulatorClient.uniqueCustomerId();
        JsonObject session = client.basicPost("/connect/sessions",
                SimulatorClient.sessionBody(customerId).put("customer_name", "Acme <Corp>")).json();

        SimulatorClient.Reply page = client.send(HttpRequest.newBuilder(URI.create(session.getString("connect_url"))).GET().build());

        assertEquals(200, page.status());
        assertTrue(page.header("Content-Type").startsWith("text/html"));
        assertTrue(page.body().contains("Acme &lt;Corp&gt;"), page.body());
        for (String provider : new String[] {"gusto", "adp_run", "bamboo_hr", "justworks", "paychex_flex"}) {
            assertTrue(page.body().contains("id=\"provider-" + provider + "\""), provider);
        }
        assertTrue(page.body().contains("id=\"authorize\""));
        assertTrue(!page.body().contains("checked"), "nothing preselected without an integration");
    }

    @Test
    void integrationProviderIsPreselected() {
        JsonObject session = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId())
                .put("integration", new JsonObject().put("provider", "justworks"))).json();

        String html = client.get("/authorize?session=" + session.getString("session_id")).body();

        assertTrue(Pattern.compile("id=\"provider-justworks\"[^>]*checked").matcher(html).find(), html);
    }

    @Test
    void unknownSessionIsA404PageAndExpiredSessionA410Page() throws InterruptedException {
        JsonObject session = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId())
                .put("minutes_to_expire", 1)).json();
        client.controlPost("/_control/sessions/" + session.getString("session_id") + "/expire", null);

        SimulatorClient.Reply unknown = client.get("/authorize?session=00000000-0000-0000-0000-000000000000");
        SimulatorClient.Reply expired = client.get("/authorize?session=" + session.getString("session_id"));

        assertEquals(404, unknown.status());
        assertTrue(unknown.header("Content-Type").startsWith("text/html"));
        assertEquals(410, expired.status());
        assertTrue(expired.header("Content-Type").startsWith("text/html"));
    }

    @Test
    void authorizingRedirectsWithCodeAndStateAndConnectsTheCustomer() {
        String customerId = SimulatorClient.uniqueCustomerId();
        JsonObject session = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(customerId)).json();
        String sessionId = session.getString("session_id");
        String html = client.get("/authorize?session=" + sessionId + "&state=st%2F42").body();
        assertEquals("st/42", hiddenValue(html, "state"));

        SimulatorClient.Reply submitted = submit(Map.of("session", sessionId, "provider", "bamboo_hr", "state", "st/42"));

        assertEquals(303, submitted.status(), submitted.body());
        String location = submitted.header("Location");
        assertTrue(location.startsWith("https://app.example.com/callback?code="), location);
        Map<String, String> query = query(URI.create(location));
        assertEquals("st/42", query.get("state"));
        JsonObject token = client.exchange(query.get("code")).json();
        assertEquals("bamboo_hr", token.getString("provider_id"));
        JsonObject customer = client.controlGet("/_control/customers/" + customerId).json();
        assertEquals("connected", customer.getJsonObject("connection").getString("status"));
        assertEquals(token.getString("connection_id"), customer.getJsonObject("connection").getString("connection_id"));
    }

    @Test
    void redirectWithoutStateCarriesOnlyTheCode() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");

        SimulatorClient.Reply submitted = submit(Map.of("session", sessionId, "provider", "gusto"));

        assertEquals(303, submitted.status());
        assertEquals(Map.of("code", query(URI.create(submitted.header("Location"))).get("code")),
                query(URI.create(submitted.header("Location"))));
    }

    @Test
    void redirectUriFromTheQueryOverridesTheSessionsOne() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");
        String html = client.get("/authorize?session=" + sessionId + "&redirect_uri="
                + URLEncoder.encode("http://localhost:9999/cb?x=1", StandardCharsets.UTF_8)).body();

        SimulatorClient.Reply submitted = submit(Map.of("session", sessionId, "provider", "gusto",
                "redirect_uri", hiddenValue(html, "redirect_uri")));

        assertEquals(303, submitted.status());
        assertTrue(submitted.header("Location").startsWith("http://localhost:9999/cb?x=1&code="), submitted.header("Location"));
    }

    @Test
    void aUsedSessionCannotBeAuthorizedTwice() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");
        assertEquals(303, submit(Map.of("session", sessionId, "provider", "gusto")).status());

        assertEquals(410, submit(Map.of("session", sessionId, "provider", "gusto")).status());
        assertEquals(404, submit(Map.of("session", "nope", "provider", "gusto")).status());
    }

    @Test
    void embeddedFlowPostsTheCodeToTheSdkHost() {
        JsonObject body = SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId());
        body.remove("redirect_uri");
        String sessionId = client.basicPost("/connect/sessions", body).json().getString("session_id");

        SimulatorClient.Reply submitted = submit(Map.of("session", sessionId, "provider", "gusto", "state", "s1",
                "app_type", "spa", "sdk_host_url", "http://localhost:3000"));

        assertEquals(200, submitted.status(), submitted.body());
        Matcher message = Pattern.compile("window\\.parent\\.postMessage\\((\\{.*?\\}), \"http://localhost:3000\"\\)")
                .matcher(submitted.body());
        assertTrue(message.find(), submitted.body());
        JsonObject posted = new JsonObject(message.group(1));
        assertEquals("finch-auth-message-v2", posted.getString("name"));
        assertEquals("success", posted.getString("kind"));
        assertEquals("s1", posted.getString("state"));
        assertEquals(200, client.exchangeEmbedded(posted.getString("code")).status());
    }

    @Test
    void embeddedExitPostsClosedAndLeavesTheSessionUsable() {
        String sessionId = embeddedSession();

        SimulatorClient.Reply exited = submit(embedded(sessionId, "action", "cancel"));

        assertEquals(200, exited.status(), exited.body());
        assertEquals(new JsonObject().put("name", "finch-auth-message-v2").put("kind", "closed"), posted(exited));
        JsonObject authorized = posted(submit(embedded(sessionId, "provider", "gusto")));
        assertEquals("success", authorized.getString("kind"));
        assertTrue(!authorized.containsKey("state"), "no state is an absent state, as react-connect types it: " + authorized);
    }

    @Test
    void redirectExitSendsAccessDeniedWithTheStateAndLeavesTheSessionUsable() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");

        SimulatorClient.Reply exited = submit(Map.of("session", sessionId, "action", "cancel", "state", "st/9"));

        assertEquals(303, exited.status(), exited.body());
        URI location = URI.create(exited.header("Location"));
        assertTrue(exited.header("Location").startsWith("https://app.example.com/callback?"), exited.header("Location"));
        assertEquals(Map.of("error", "access_denied", "error_description", "The employer exited Finch Connect", "state", "st/9"),
                rawQuery(location));
        assertEquals(303, submit(Map.of("session", sessionId, "provider", "gusto")).status());
    }

    @Test
    void embeddedProviderFailureIsAnEmployerConnectionErrorThatKeepsConnectOpen() {
        String sessionId = embeddedSession();
        controlPut("/_control/providers/adp_run/outage", new JsonObject().put("message", "ADP is down <today>"));
        try {
            SimulatorClient.Reply failed = submit(embedded(sessionId, "provider", "adp_run"));

            assertEquals(200, failed.status(), failed.body());
            JsonObject message = posted(failed);
            assertEquals("error", message.getString("kind"));
            assertEquals(new JsonObject().put("message", "ADP is down <today>").put("shouldClose", false)
                    .put("type", "employer_connection_error"), message.getJsonObject("error"));
            assertTrue(failed.body().contains("ADP is down &lt;today&gt;"), failed.body());
            assertTrue(failed.body().contains("id=\"provider-gusto\""), "the employer can pick another provider");
            assertEquals("success", posted(submit(embedded(sessionId, "provider", "gusto"))).getString("kind"));
        } finally {
            controlDelete("/_control/providers/adp_run/outage");
        }
    }

    @Test
    void redirectProviderFailureRedirectsWithTheErrorAndItsDescription() {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");
        controlPut("/_control/providers/paychex_flex/outage", new JsonObject());
        SimulatorClient.Reply failed;
        try {
            failed = submit(Map.of("session", sessionId, "provider", "paychex_flex", "state", "s2"));
        } finally {
            controlDelete("/_control/providers/paychex_flex/outage");
        }

        assertEquals(303, failed.status(), failed.body());
        assertEquals(Map.of("error", "employer_connection_error", "error_description", ProviderOutages.DEFAULT_MESSAGE, "state", "s2"),
                rawQuery(URI.create(failed.header("Location"))));
        SimulatorClient.Reply recovered = submit(Map.of("session", sessionId, "provider", "paychex_flex"));
        assertEquals(303, recovered.status());
        assertNotNull(query(URI.create(recovered.header("Location"))).get("code"));
    }

    @Test
    void embeddedPageOfAnUnknownOrUsedSessionPostsAValidationErrorThatClosesConnect() {
        String used = embeddedSession();
        assertEquals("success", posted(submit(embedded(used, "provider", "gusto"))).getString("kind"));
        String sdk = "&app_type=spa&sdk_host_url=" + URLEncoder.encode("http://localhost:3000", StandardCharsets.UTF_8);

        SimulatorClient.Reply unknown = client.get("/authorize?session=00000000-0000-0000-0000-000000000000" + sdk);
        SimulatorClient.Reply usedAgain = client.get("/authorize?session=" + used + sdk);

        assertEquals(404, unknown.status());
        assertEquals(410, usedAgain.status());
        for (SimulatorClient.Reply reply : new SimulatorClient.Reply[] {unknown, usedAgain}) {
            JsonObject error = posted(reply).getJsonObject("error");
            assertEquals("validation_error", error.getString("type"));
            assertEquals(true, error.getBoolean("shouldClose"));
            assertTrue(!error.getString("message").isBlank());
        }
    }

    @Test
    void embeddedSubmitWithoutProviderIsAValidationErrorThatKeepsConnectOpen() {
        String sessionId = embeddedSession();

        SimulatorClient.Reply refused = submit(embedded(sessionId, "state", "s3"));

        assertEquals(400, refused.status());
        assertEquals(new JsonObject().put("message", "Choose a provider before authorizing.").put("shouldClose", false)
                .put("type", "validation_error"), posted(refused).getJsonObject("error"));
        assertEquals("success", posted(submit(embedded(sessionId, "provider", "justworks"))).getString("kind"));
    }

    @Test
    void withoutRedirectUriOrSdkTheAuthorizationIsRefused() {
        JsonObject body = SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId());
        body.remove("redirect_uri");
        String sessionId = client.basicPost("/connect/sessions", body).json().getString("session_id");

        assertEquals(400, submit(Map.of("session", sessionId, "provider", "gusto")).status());
    }

    private static String embeddedSession() {
        JsonObject body = SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId());
        body.remove("redirect_uri");
        return client.basicPost("/connect/sessions", body).json().getString("session_id");
    }

    /** The fields the SDK's page carries through the form, plus the employer's own. */
    private static Map<String, String> embedded(String sessionId, String... fields) {
        Map<String, String> form = new LinkedHashMap<>(Map.of("session", sessionId, "app_type", "spa",
                "sdk_host_url", "http://localhost:3000"));
        for (int i = 0; i < fields.length; i += 2) {
            form.put(fields[i], fields[i + 1]);
        }
        return form;
    }

    /** The one message the page posts, checked to go to the SDK host's origin only. */
    private static JsonObject posted(SimulatorClient.Reply reply) {
        Matcher message = Pattern.compile("window\\.parent\\.postMessage\\((\\{.*\\}), \"http://localhost:3000\"\\);</script>")
                .matcher(reply.body());
        assertTrue(message.find(), reply.body());
        JsonObject posted = new JsonObject(message.group(1).replace("\\u003c", "<"));
        assertEquals("finch-auth-message-v2", posted.getString("name"));
        return posted;
    }

    private static void controlPut(String path, JsonObject body) {
        SimulatorClient.Reply reply = client.send(client.request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.encode())).build());
        assertEquals(200, reply.status(), reply.body());
    }

    private static void controlDelete(String path) {
        assertEquals(204, client.send(client.request(path).DELETE().build()).status());
    }

    private static Map<String, String> rawQuery(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            params.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    private static SimulatorClient.Reply submit(Map<String, String> fields) {
        String form = new LinkedHashMap<>(fields).entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return client.send(client.request("/authorize").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }

    private static String hiddenValue(String html, String name) {
        Matcher matcher = Pattern.compile("name=\"" + name + "\" value=\"([^\"]*)\"").matcher(html);
        assertTrue(matcher.find(), html);
        return matcher.group(1).replace("&amp;", "&");
    }

    static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            params.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        assertNotNull(params.get("code"));
        return params;
    }
}
