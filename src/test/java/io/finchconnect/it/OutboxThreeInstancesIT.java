package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * Three service processes relay one database, rows deleted on ack as in production. The 64 partitions are
 * spread over the three; while rows keep coming, one is killed with kill -9 and then one is frozen with
 * SIGSTOP: each loses its partitions to the live ones within the lease time. The frozen one, resumed, finds
 * its partitions taken (its leases are refused) and rejoins. Every event arrives, and the first deliveries
 * of every key are in commit order.
 */
class OutboxThreeInstancesIT {

    private static final Logger LOG = Logger.getLogger(OutboxThreeInstancesIT.class);
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final Duration LEASE = Duration.ofSeconds(6);
    /** The lease, a heartbeat of the others, and slack for a loaded machine: still well under a minute. */
    private static final Duration TAKEOVER = Duration.ofSeconds(30);
    private static final String INSERT = """
            INSERT INTO outbox (event_id, message_key, event_type, payload)
            SELECT ?::uuid, ?, 'finch.connection.test', ?::jsonb
            FROM (SELECT pg_advisory_xact_lock(hashtextextended(?, 0)),
                         pg_notify('finch_outbox', (hashtextextended(?, 0) & 63)::text)) AS serialised_per_key
            """;

    private final Map<String, String> config = TestStack.get().config();
    private final Map<String, List<String>> committed = new ConcurrentHashMap<>();
    private final List<String> keys = new CopyOnWriteArrayList<>();

    @Test
    void threeInstancesShareThePartitionsAndAKilledAndAFrozenOneLoseThemWithinTheLease() throws Exception {
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("OUTBOX_RETENTION", "0s");
        environment.put("OUTBOX_LEASE_DURATION", LEASE.toSeconds() + "s");
        environment.put("OUTBOX_HEARTBEAT_INTERVAL", "2s");
        environment.put("OUTBOX_BACKOFF_MAX", "2s");
        for (int i = 0; i < 30; i++) {
            keys.add("conn-" + UUID.randomUUID());
        }
        try (ServiceProcess a = ServiceProcess.start(environment, "relay-a");
             ServiceProcess b = ServiceProcess.start(environment, "relay-b");
             ServiceProcess c = ServiceProcess.start(environment, "relay-c");
             EventTopic topic = new EventTopic("finch.connection-events", config.get("kafka.bootstrap.servers"))) {
            a.awaitReady();
            b.awaitReady();
            c.awaitReady();
            List<ServiceProcess> all = List.of(a, b, c);

            Awaitility.await().atMost(WAIT).until(() -> ownedBy(all).values().stream().allMatch(n -> n >= 21)
                    && ownedBy(all).values().stream().mapToLong(Long::longValue).sum() == 64);
            write(0, 600);
            awaitDistinct(topic, 600);

            Thread writer = new Thread(() -> write(600, 3000));
            writer.start();
            Awaitility.await().atMost(WAIT).until(() -> written() > 900);
            a.kill9();
            long killedAt = System.nanoTime();
            Awaitility.await().atMost(TAKEOVER).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<ServiceProcess, Long> owned = ownedBy(List.of(b, c));
                return ownedBy(List.of(a)).get(a) == 0 && owned.get(b) + owned.get(c) == 64;
            });
            LOG.infof("kill -9: partitions moved in %d ms", (System.nanoTime() - killedAt) / 1_000_000);

            Awaitility.await().atMost(WAIT).until(() -> ownedBy(List.of(b)).get(b) == 32);
            Awaitility.await().atMost(WAIT).until(() -> written() > 1800);
            b.freeze();
            long frozenAt = System.nanoTime();
            try {
                Awaitility.await().atMost(TAKEOVER).pollInterval(Duration.ofMillis(250))
                        .until(() -> ownedBy(List.of(c)).get(c) == 64);
                LOG.infof("SIGSTOP: partitions moved in %d ms", (System.nanoTime() - frozenAt) / 1_000_000);
            } finally {
                b.thaw();
            }
            writer.join();

            // Resumed, its renewal is refused for every partition it held: it no longer owns them and rejoins.
            Awaitility.await().atMost(WAIT).until(() -> b.output().contains("was taken over while this relay held it"));
            Awaitility.await().atMost(WAIT).until(() -> {
                Map<ServiceProcess, Long> owned = ownedBy(List.of(b, c));
                return owned.get(b) == 32 && owned.get(c) == 32;
            });

            List<Event> events = awaitDistinct(topic, 3000);
            for (String key : keys) {
                LinkedHashSet<String> first = new LinkedHashSet<>();
                events.stream().filter(e -> key.equals(e.key())).forEach(e -> first.add(e.ceId()));
                assertThat(List.copyOf(first)).as("first deliveries of %s", key).containsExactlyElementsOf(committed.get(key));
            }
            long duplicates = events.size() - events.stream().map(Event::ceId).distinct().count();
            LOG.infof("%d deliveries of 3000 events: %d duplicates; fenced on the resumed one: %s", events.size(), duplicates,
                    metric(b, "outbox_fenced_rows_total"));
            Awaitility.await().atMost(WAIT).until(() -> count("SELECT count(*) FROM outbox WHERE message_key = ANY(?)") == 0);
        }
    }

    private Map<ServiceProcess, Long> ownedBy(List<ServiceProcess> processes) throws SQLException {
        Map<ServiceProcess, Long> owned = new HashMap<>();
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(
                "SELECT count(*) FROM outbox_partition WHERE owner LIKE ? AND lease_until > now()")) {
            for (ServiceProcess process : processes) {
                statement.setString(1, "relay-" + process.pid() + "-%");
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    owned.put(process, rows.getLong(1));
                }
            }
        }
        return owned;
    }

    private static String metric(ServiceProcess process, String name) {
        try {
            String body = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(process.managementUrl("/q/metrics"))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(line -> line.startsWith(name)).findFirst().orElse(name + " (absent)");
        } catch (Exception e) {
            return name + " (unreadable: " + e + ")";
        }
    }

    private List<Event> awaitDistinct(EventTopic topic, int distinct) {
        return topic.awaitEvents(WAIT, seen -> seen.stream().filter(e -> keys.contains(e.key())).map(Event::ceId)
                .distinct().count() >= distinct).stream().filter(e -> keys.contains(e.key())).toList();
    }

    private long written() {
        return committed.values().stream().mapToLong(List::size).sum();
    }

    /** One writer, one row per transaction: each key's list is its commit order. */
    private void write(int from, int to) {
        try (Connection connection = connect(); PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (int i = from; i < to; i++) {
                String key = keys.get(i % keys.size());
                String eventId = UUID.randomUUID().toString();
                insert.setString(1, eventId);
                insert.setString(2, key);
                insert.setString(3, "{\"n\":" + i + "}");
                insert.setString(4, key);
                insert.setString(5, key);
                insert.executeUpdate();
                committed.computeIfAbsent(key, ignored -> new CopyOnWriteArrayList<>()).add(eventId);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("text", keys.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
    }
}
