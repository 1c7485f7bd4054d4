package io.finchconnect.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * The production jar that {@link LifecycleModelIT}'s sequences run against, on a database of its own, with Finch's
 * webhooks pointed at it; restarted (gracefully or with kill -9) on the same database by a sequence's restart action.
 */
final class LifecycleService implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> environment;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String token;
    private ServiceProcess process;
    private int starts;

    private LifecycleService(Map<String, String> environment) {
        this.environment = environment;
        this.token = TestStack.get().jwt().token("sessions:write", "connections:read", "connections:write");
    }

    static LifecycleService start() throws Exception {
        TestStack stack = TestStack.get();
        // A database of its own: reconciliation then covers only the sequences' connections, not the hundreds
        // other ITs of this JVM leave behind.
        Map<String, String> environment = new LinkedHashMap<>(ServiceProcess.environmentWithOwnDatabase(stack, "lifecycle"));
        // Finch's events reach it over HTTP only; the Kafka ingress' consumer group would outlive a kill -9.
        environment.put("FINCH_WEBHOOKS_KAFKA_ENABLED", "false");
        // Reconciliation passes are asked for by the sequences (LifecycleDatabase.reconcileNow), not left to a clock.
        environment.put("RECONCILE_INTERVAL", "1h");
        environment.put("RECONCILE_MAX_PER_SECOND", "50");
        environment.put("RECONCILE_TICK", "500ms");
        // A Finch-shaped 401 other than reauthenticate_user is confirmed after this delay before it disconnects.
        environment.put("REAUTH_DISCONNECT_CONFIRMATION_DELAY", "1s");
        // Waits that production sizes for minutes, shortened so a sequence settles in seconds; same code paths.
        environment.put("REAUTH_SWEEP_INTERVAL", "1s");
        environment.put("REAUTH_BACKOFF_MAX", "2s");
        environment.put("INBOX_BACKOFF_MAX", "2s");
        environment.put("OUTBOX_BACKOFF_MAX", "2s");
        environment.put("FINCH_CIRCUIT_BREAKER_DELAY", "1s");
        // A held answer becomes a lost one after this; the operator's disconnect is then left to the next observation.
        environment.put("FINCH_REQUEST_TIMEOUT", "3s");
        // What a killed instance held, the next one waits out: leases of seconds, not minutes.
        environment.put("INBOX_LEASE", "5s");
        environment.put("REAUTH_LEASE", "5s");
        environment.put("OUTBOX_LEASE_DURATION", "6s");
        environment.put("OUTBOX_HEARTBEAT_INTERVAL", "2s");
        LifecycleService service = new LifecycleService(environment);
        service.startProcess();
        return service;
    }

    private void startProcess() throws Exception {
        process = ServiceProcess.start(environment, "lifecycle-model-" + (++starts)).awaitReady();
        TestStack.get().setFinchWebhookUrl(process.url("/v1/webhooks/finch"));
    }

    /** Stops the process (SIGTERM, or kill -9) and starts a new one on the same database. */
    void restart(boolean kill9) throws Exception {
        if (kill9) {
            process.kill9();
        } else {
            process.close();
        }
        startProcess();
    }

    String jdbcUrl() {
        return environment.get("QUARKUS_DATASOURCE_JDBC_URL");
    }

    String username() {
        return environment.get("QUARKUS_DATASOURCE_USERNAME");
    }

    String password() {
        return environment.get("QUARKUS_DATASOURCE_PASSWORD");
    }

    /** An answer of the service: status and body. */
    record Answer(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    Answer get(String path) throws Exception {
        return send(request(path).GET());
    }

    Answer post(String path, String json) throws Exception {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A POST not waited for: an operator's request whose Finch answer is held stays open while the sequence goes on. */
    CompletableFuture<Answer> postLater(String path, String json) {
        return http.sendAsync(request(path).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> new Answer(response.statusCode(), response.body()));
    }

    /**
     * The redirect-flow landing, as the employer's browser reaches it (no bearer token): the status, and the outcome
     * and reason the service reports (from the redirect's query, or the page).
     */
    Answer callback(String query) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(process.url("/v1/connect/callback?" + query)))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        String said = response.headers().firstValue("Location").orElse(response.body());
        java.util.regex.Matcher outcome = java.util.regex.Pattern.compile("(outcome|reason)(?:=|\">)([a-z_]+)").matcher(said);
        StringBuilder outcomes = new StringBuilder();
        while (outcome.find()) {
            outcomes.append(outcome.group(1)).append('=').append(outcome.group(2)).append(' ');
        }
        return new Answer(response.statusCode(), outcomes.toString().trim());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(process.url(path))).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
    }

    private Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.close();
        }
        TestStack.get().setFinchWebhookUrl(null);
    }
}
