package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.finchconnect.simulator.FinchWebhookSigner;
import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * SIGTERM in the middle of load: readiness turns DOWN first, and every request the service accepted has its
 * state change and its event; nothing half-written, nothing lost. A second instance relays what the first
 * could not publish before it stopped.
 */
class GracefulShutdownIT {

    private static final int CONNECTIONS = 2_000;
    private static final int CLIENTS = 8;

    private final Map<String, String> config = TestStack.get().config();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aShutdownUnderLoadLosesNoAcceptedRequestAndNoEvent() throws Exception {
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("SHUTDOWN_DELAY", "2s");
        Map<String, String> accepted = new ConcurrentHashMap<>();
        AtomicBoolean loadRunning = new AtomicBoolean(true);

        List<String> connections;
        try (ServiceProcess first = ServiceProcess.start(environment, "shutdown-first").awaitReady()) {
            connections = createConnections();
            long idleRss = rssKib(first.pid());
            java.util.concurrent.atomic.AtomicLong peakRss = new java.util.concurrent.atomic.AtomicLong(idleRss);
            java.util.concurrent.ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(rssKib(first.pid()), Math::max), 0, 200,
                    TimeUnit.MILLISECONDS);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.submit(() -> {
                    for (int i = client; i < connections.size() && loadRunning.get(); i += CLIENTS) {
                        send(first, connections.get(i), accepted);
                    }
                });
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= 300);
            sampler.shutdownNow();
            recordMemory(idleRss, peakRss.get(), accepted.size());
            new ProcessBuilder("kill", "-TERM", String.valueOf(first.pid())).start().waitFor();
            Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                    .until(() -> get(first, "/q/health/ready") == 503);
            assertThat(first.exitsWithin(Duration.ofSeconds(40))).as("stops within the grace period").isTrue();
            loadRunning.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        Set<String> applied = accepted.entrySet().stream().filter(e -> e.getValue().equals("applied"))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(applied).hasSizeGreaterThanOrEqualTo(300);

        assertThat(statusesOf(applied)).as("every accepted change is stored").containsOnly("disconnected");
        try (ServiceProcess second = ServiceProcess.start(environment, "shutdown-second").awaitReady();
             EventTopic topic = new EventTopic("finch.connection-events", config.get("kafka.bootstrap.servers"))) {
            List<Event> events = topic.awaitEvents(Duration.ofSeconds(90), seen -> seen.stream()
                    .filter(e -> "finch.connection.disconnected".equals(e.type())).map(Event::key)
                    .collect(Collectors.toSet()).containsAll(applied));
            Set<String> withEvent = events.stream().filter(e -> "finch.connection.disconnected".equals(e.type()))
                    .map(Event::key).collect(Collectors.toSet());
            assertThat(withEvent).containsAll(applied);
            Set<String> disconnectedInDatabase = Set.copyOf(connectionsWithStatus(connections, "disconnected"));
            assertThat(withEvent.stream().filter(connections::contains)).as("no event without its state")
                    .allMatch(disconnectedInDatabase::contains);
        }
    }

    /** Resident memory of a process, from /proc (Linux), in KiB; 0 where it cannot be read. */
    private static long rssKib(long pid) {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", String.valueOf(pid), "status")).stream()
                    .filter(line -> line.startsWith("VmRSS:")).findFirst()
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).orElse(0L);
        } catch (Exception e) {
            return 0;
        }
    }

    /** The figures deploy/ sizes the container by (heap as in the Deployment: 256 MiB). */
    private static void recordMemory(long idleKib, long peakKib, int accepted) throws java.io.IOException {
        String line = "service RSS with -Xmx256m: idle %d MiB, peak %d MiB under %d clients (%d webhooks accepted)%n"
                .formatted(idleKib / 1024, peakKib / 1024, CLIENTS, accepted);
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "it-logs", "memory.txt"), line);
        org.jboss.logging.Logger.getLogger(GracefulShutdownIT.class).info(line.trim());
    }

    private void send(ServiceProcess service, String connectionId, Map<String, String> accepted) {
        String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
        String body = """
                {"connection_id":"%s","event_type":"account.updated","data":{"status":"disconnected"}}""".formatted(connectionId);
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(service.url("/v1/webhooks/finch")))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Finch-Event-Id", eventId)
                .header("Finch-Timestamp", String.valueOf(timestamp))
                .header("Finch-Signature", FinchWebhookSigner.sign(config.get("finch.webhook-secrets"), eventId, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                accepted.put(connectionId, response.body().contains("\"applied\"") ? "applied" : response.body());
            }
        } catch (Exception e) {
            // refused or cut off while stopping: not accepted, so nothing is owed for it
        }
    }

    private int get(ServiceProcess service, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(service.url(path))).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private List<String> createConnections() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection db = connect()) {
            db.setAutoCommit(false);
            try (PreparedStatement customer = db.prepareStatement("INSERT INTO customers (customer_id, customer_name) VALUES (?, 'Load')");
                 PreparedStatement connection = db.prepareStatement("INSERT INTO connections (connection_id, customer_id, status, "
                         + "status_changed_at, token_key_id, token_ciphertext, connected_at) "
                         + "VALUES (?, ?, 'connected', now() - interval '1 hour', 'k', '\\x00', now())")) {
                for (int i = 0; i < CONNECTIONS; i++) {
                    String id = "shutdown-" + UUID.randomUUID();
                    customer.setString(1, id);
                    customer.addBatch();
                    connection.setString(1, id);
                    connection.setString(2, id);
                    connection.addBatch();
                    ids.add(id);
                }
                customer.executeBatch();
                connection.executeBatch();
            }
            db.commit();
        }
        return ids;
    }

    private List<String> statusesOf(Set<String> ids) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement(
                "SELECT status FROM connections WHERE connection_id = ANY(?)")) {
            statement.setArray(1, db.createArrayOf("text", ids.toArray()));
            List<String> statuses = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    statuses.add(rows.getString(1));
                }
            }
            assertThat(statuses).hasSize(ids.size());
            return statuses;
        }
    }

    private List<String> connectionsWithStatus(List<String> ids, String status) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement(
                "SELECT connection_id FROM connections WHERE connection_id = ANY(?) AND status = ?")) {
            statement.setArray(1, db.createArrayOf("text", ids.toArray()));
            statement.setString(2, status);
            List<String> found = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.add(rows.getString(1));
                }
            }
            return found;
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
    }
}
