package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.TestStack;

/**
 * Pool discipline: no request holds a PostgreSQL connection while it waits for Finch. With Finch at 3 s and the
 * production pool of 15 connections, 1,000 requests at once (session creations, reauthentications of known
 * connections, embedded-flow code exchanges) all succeed, and Finch holds far more than 15 of each kind at once: a
 * request that kept its connection across Finch would let at most 15 of them reach Finch together. Counted at the
 * simulator, so the proof does not depend on how fast the machine is; the pool wait is raised to a minute so that
 * neither does the answer (how long requests wait on a busy machine is a benchmark's figure, not this test's).
 * Against the production jar; a few seconds of load, so it stays in CI.
 */
class PoolDisciplineIT {

    private static final Logger LOG = Logger.getLogger(PoolDisciplineIT.class);
    private static final int SESSIONS = 500;
    private static final int REAUTHENTICATIONS = 300;
    private static final int AUTHORIZATIONS = 200;
    private static final int WARMUP = 200;
    private static final long FINCH_LATENCY_MILLIS = 3_000;
    private static final int POOL_SIZE = 15;
    private static final List<String> FINCH_ENDPOINTS = List.of("connect.sessions", "connect.sessions.reauthenticate", "auth.token");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).executor(Executors.newFixedThreadPool(4)).build();

    /** {@code problem}: the problem type of an error answer, or the failure of a request that got none. */
    private record Sent(String kind, int status, long millis, String problem) {
    }

    @Test
    void aThousandConcurrentRequestsAllSucceedAndFinchHoldsFarMoreOfThemThanThePoolHasConnections() throws Exception {
        // Migrates the stack's database first, as the migration Job would.
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        List<String> known = new ConnectionLedger().insertConnected("pool", REAUTHENTICATIONS);
        List<String[]> codes = authorizedCodes(AUTHORIZATIONS);
        environment.put("DB_POOL_MAX_SIZE", String.valueOf(POOL_SIZE));
        // Two busy cores (another IT runs beside this one) can keep a request from its turn for seconds, pool or
        // not; the discipline is proven by what Finch holds at once, below.
        environment.put("DB_POOL_WAIT_TIMEOUT", "60s");
        String writer = TestStack.get().jwt().token("sessions:write");
        try (ServiceProcess service = ServiceProcess.start(environment, "pool-discipline").awaitReady()) {
            finchLatency(FINCH_LATENCY_MILLIS);
            List<Sent> sent;
            Map<String, Long> peaks;
            try {
                // A smaller wave first, so a cold JIT does not decide the result; counted only in the log.
                List<Request> warmup = new ArrayList<>();
                for (int i = 0; i < WARMUP; i++) {
                    warmup.add(sessionRequest(service, writer));
                }
                LOG.infof("Warm-up of %d sessions: %s", WARMUP, fireAtOnce(warmup).stream()
                        .collect(Collectors.groupingBy(Sent::status, TreeMap::new, Collectors.counting())));
                List<Request> requests = new ArrayList<>();
                for (int i = 0; i < SESSIONS; i++) {
                    requests.add(sessionRequest(service, writer));
                }
                for (String connectionId : known) {
                    requests.add(new Request("reauthenticate", HttpRequest.newBuilder(URI.create(service.url("/v1/connect/sessions/reauthenticate")))
                            .header("Authorization", "Bearer " + writer).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"connection_id\":\"" + connectionId + "\"}")).build()));
                }
                for (String[] code : codes) {
                    requests.add(new Request("authorization", HttpRequest.newBuilder(URI.create(service.url("/v1/connect/authorizations")))
                            .header("Authorization", "Bearer " + writer).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"code\":\"" + code[1] + "\",\"customer_id\":\"" + code[0] + "\"}"))
                            .build()));
                }
                java.util.Collections.shuffle(requests);
                Finch.everyRequest().resetRequests();
                sent = fireAtOnce(requests);
                peaks = FINCH_ENDPOINTS.stream().collect(Collectors.toMap(endpoint -> endpoint,
                        endpoint -> Finch.everyRequest().peakInFlight(endpoint), (one, other) -> one, TreeMap::new));
            } finally {
                finchLatency(0);
            }

            Map<String, Map<Integer, Long>> statuses = sent.stream().collect(Collectors.groupingBy(Sent::kind, TreeMap::new,
                    Collectors.groupingBy(Sent::status, TreeMap::new, Collectors.counting())));
            Map<String, Long> problems = sent.stream().filter(one -> one.problem() != null)
                    .collect(Collectors.groupingBy(one -> one.kind() + " " + one.status() + " " + one.problem(), TreeMap::new,
                            Collectors.counting()));
            List<Long> millis = sent.stream().map(Sent::millis).sorted().toList();
            LOG.infof("%d requests at once, Finch at %d ms: %s, problems %s; p50 %d ms, p99 %d ms, max %d ms; most at Finch at once %s",
                    sent.size(), FINCH_LATENCY_MILLIS, statuses, problems, millis.get(millis.size() / 2),
                    millis.get(millis.size() * 99 / 100), millis.get(millis.size() - 1), peaks);
            assertThat(sent).hasSize(SESSIONS + REAUTHENTICATIONS + AUTHORIZATIONS);
            assertThat(sent).as("statuses by kind: %s, problems %s", statuses, problems).allSatisfy(one -> assertThat(one.status()).isIn(200, 201));
            assertThat(peaks).as("requests held at Finch at once, per endpoint, with a pool of %d", POOL_SIZE)
                    .allSatisfy((endpoint, peak) -> assertThat(peak).as(endpoint).isGreaterThan(2L * POOL_SIZE));
            assertThat(service.output()).as("no request waited out the pool").doesNotContain("Timeout waiting for connection");
        }
    }

    private record Request(String kind, HttpRequest request) {
    }

    private static Request sessionRequest(ServiceProcess service, String writer) {
        String customerId = "pool-" + UUID.randomUUID();
        return new Request("session", HttpRequest.newBuilder(URI.create(service.url("/v1/connect/sessions")))
                .header("Authorization", "Bearer " + writer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"customer_id\":\"" + customerId + "\",\"customer_name\":\"Acme\","
                        + "\"products\":[\"company\",\"directory\"]}")).build());
    }

    /** All requests sent at once (sendAsync returns at once), each on its own connection; their status and time. */
    private List<Sent> fireAtOnce(List<Request> requests) throws Exception {
        List<CompletableFuture<Sent>> answers = new ArrayList<>();
        for (Request request : requests) {
            long sentAt = System.nanoTime();
            answers.add(http.sendAsync(request.request(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> new Sent(request.kind(), response.statusCode(), millisSince(sentAt),
                            response.statusCode() < 300 ? null : problemType(response.body())))
                    .exceptionally(failure -> new Sent(request.kind(), -1, millisSince(sentAt), failure.toString())));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> answers.stream().map(CompletableFuture::join).toList())
                .get(120, TimeUnit.SECONDS);
    }

    private static String problemType(String body) {
        java.util.regex.Matcher type = java.util.regex.Pattern.compile("\"type\":\"[^\"]*/([^\"/]+)\"").matcher(body);
        return type.find() ? type.group(1) : "not problem+json";
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /** Customers who authorized at Finch: customer_id and the code the service is to exchange. */
    private static List<String[]> authorizedCodes(int count) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<String[]>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String customerId = "pool-embedded-" + UUID.randomUUID();
                futures.add(workers.submit(() -> new String[] { customerId, SimulatedConnections.codeAuthorizedAtFinch(customerId) }));
            }
            List<String[]> codes = new ArrayList<>();
            for (Future<String[]> future : futures) {
                codes.add(future.get());
            }
            return codes;
        } finally {
            workers.shutdownNow();
        }
    }

    /** Latency on every Finch endpoint these requests call; 0 clears the faults. */
    private void finchLatency(long millis) {
        for (String endpoint : FINCH_ENDPOINTS) {
            if (millis == 0) {
                Finch.everyRequest().clearFaults();
            } else {
                Finch.everyRequest().fault(endpoint, Map.of("latency_ms", millis));
            }
        }
    }
}
