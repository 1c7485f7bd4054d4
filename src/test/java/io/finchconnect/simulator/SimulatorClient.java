package io.finchconnect.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;

/** A test-side HTTP client for the simulator with shortcuts for the common Finch calls. */
final class SimulatorClient {

    static final String VERSION = "2020-09-17";
    /** The redirect URI of {@link #sessionBody}'s redirect-flow sessions. */
    static final String REDIRECT_URI = "https://app.example.com/callback";

    /** A parsed answer: status, headers and body. */
    record Reply(int status, HttpResponse<String> raw) {

        JsonObject json() {
            return new JsonObject(raw.body());
        }

        String body() {
            return raw.body();
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private final FinchSimulator simulator;
    private final HttpClient http;
    private final String basic;

    SimulatorClient(FinchSimulator simulator) {
        this(simulator, "sim-client-id", "sim-client-secret");
    }

    SimulatorClient(FinchSimulator simulator, String clientId, String clientSecret) {
        this.simulator = simulator;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        this.basic = basicHeader(clientId, clientSecret);
    }

    static String basicHeader(String clientId, String clientSecret) {
        return "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
    }

    static String uniqueCustomerId() {
        return "cust-" + UUID.randomUUID();
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(simulator.baseUrl() + path)).timeout(Duration.ofSeconds(20));
    }

    Reply send(HttpRequest request) {
        try {
            return sendOrThrow(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Reply sendOrThrow(HttpRequest request) throws IOException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder finchPost(String path, JsonObject body) {
        return request(path).header("Finch-API-Version", VERSION).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    }

    Reply basicPost(String path, JsonObject body) {
        return send(finchPost(path, body).header("Authorization", basic).build());
    }

    Reply bearerGet(String path, String accessToken) {
        return send(request(path).header("Finch-API-Version", VERSION)
                .header("Authorization", "Bearer " + accessToken).GET().build());
    }

    Reply bearerPost(String path, String accessToken) {
        return send(request(path).header("Finch-API-Version", VERSION).header("Authorization", "Bearer " + accessToken)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    Reply controlPost(String path, JsonObject body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body.encode())).build());
    }

    Reply controlGet(String path) {
        return send(request(path).GET().build());
    }

    Reply get(String path) {
        return send(request(path).GET().build());
    }

    static JsonObject sessionBody(String customerId) {
        return new JsonObject()
                .put("customer_id", customerId)
                .put("customer_name", "Acme " + customerId)
                .put("products", new io.vertx.core.json.JsonArray().add("company").add("directory"))
                .put("redirect_uri", REDIRECT_URI);
    }

    /** The exchange of a redirect-flow code of a {@link #sessionBody} session: it names the session's redirect URI. */
    Reply exchange(String code) {
        return exchange(code, REDIRECT_URI);
    }

    /** The exchange of an embedded-flow code: no redirect_uri, as the SDK sends it. */
    Reply exchangeEmbedded(String code) {
        return exchange(code, null);
    }

    Reply exchange(String code, String redirectUri) {
        JsonObject body = new JsonObject().put("code", code);
        if (redirectUri != null) {
            body.put("redirect_uri", redirectUri);
        }
        return basicPost("/auth/token", body);
    }

    /** Creates a session, completes it through the control endpoint and exchanges the code. */
    JsonObject connect(String customerId) {
        Reply session = basicPost("/connect/sessions", sessionBody(customerId));
        assertEquals(201, session.status(), session.body());
        Reply completed = controlPost("/_control/sessions/" + session.json().getString("session_id") + "/complete", null);
        assertEquals(200, completed.status(), completed.body());
        Reply token = exchange(completed.json().getString("code"));
        assertEquals(200, token.status(), token.body());
        return token.json();
    }
}
