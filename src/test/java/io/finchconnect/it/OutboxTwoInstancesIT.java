package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * Two service processes relay one database: in normal operation no row is published twice and per-key order
 * holds; when the leading process is killed with kill -9 mid-stream, the other takes over and every event
 * arrives, in per-key order, redelivered at most with the same ce_id.
 */
class OutboxTwoInstancesIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String INSERT = """
            INSERT INTO outbox (event_id, message_key, event_type, payload)
            SELECT ?::uuid, ?, 'finch.connection.test', ?::jsonb
            FROM (SELECT pg_advisory_xact_lock(hashtextextended(?, 0)), pg_notify('finch_outbox', '')) AS serialised_per_key
            """;
    private static final String LEADER = """
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.classid = 1179534152 AND l.objid = 1 AND l.granted
            """;

    private final Map<String, String> config = TestStack.get().config();

    @Test
    void twoInstancesPublishOnceAndSurviveTheLeaderBeingKilled() throws Exception {
        Map<String, String> environment = ServiceProcess.environmentFor(TestStack.get());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            keys.add("conn-" + UUID.randomUUID());
        }
        try (ServiceProcess first = ServiceProcess.start(environment, "relay-a").awaitReady();
             ServiceProcess second = ServiceProcess.start(environment, "relay-b").awaitReady();
             EventTopic topic = new EventTopic("finch.connection-events", config.get("kafka.bootstrap.servers"))) {

            write(keys, 0, 500);
            List<Event> normal = awaitDistinct(topic, keys, 500);
            assertThat(normal).extracting(Event::ceId).as("no row published twice in normal operation").doesNotHaveDuplicates();

            long leaderPid = awaitLeaderPid();
            ServiceProcess leader = leaderPid == first.pid() ? first : second;
            ServiceProcess survivor = leader == first ? second : first;
            Thread writer = new Thread(() -> write(keys, 500, 2500));
            writer.start();
            Awaitility.await().atMost(WAIT).until(() -> count("SELECT count(*) FROM outbox WHERE message_key = ANY(?) AND sent_at IS NOT NULL",
                    keys) > 800);
            leader.kill9();
            writer.join();

            List<Event> all = awaitDistinct(topic, keys, 2500);
            assertThat(awaitLeaderPid()).isEqualTo(survivor.pid());
            for (String key : keys) {
                List<String> committed = column("SELECT event_id::text FROM outbox WHERE message_key = ? ORDER BY id", key);
                LinkedHashSet<String> lastDelivery = new LinkedHashSet<>();
                all.stream().filter(e -> key.equals(e.key())).forEach(e -> {
                    lastDelivery.remove(e.ceId());
                    lastDelivery.add(e.ceId());
                });
                assertThat(List.copyOf(lastDelivery)).as("order of %s", key).containsExactlyElementsOf(committed);
            }
            long duplicates = all.size() - all.stream().map(Event::ceId).distinct().count();
            // At most the batch in flight and the one being settled (500 rows each by default) come again.
            assertThat(duplicates).isLessThanOrEqualTo(1000);
            Map<String, Long> perEvent = all.stream().collect(Collectors.groupingBy(Event::ceId, Collectors.counting()));
            assertThat(perEvent).hasSize(2500);
        }
    }

    private List<Event> awaitDistinct(EventTopic topic, List<String> keys, int distinct) throws SQLException {
        try {
            return topic.awaitEvents(WAIT, seen -> seen.stream().filter(e -> keys.contains(e.key())).map(Event::ceId)
                    .distinct().count() >= distinct).stream().filter(e -> keys.contains(e.key())).toList();
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("waited for %d events: %d rows written, %d marked sent, %d seen on Kafka".formatted(
                    distinct, count("SELECT count(*) FROM outbox WHERE message_key = ANY(?)", keys),
                    count("SELECT count(*) FROM outbox WHERE message_key = ANY(?) AND sent_at IS NOT NULL", keys),
                    topic.drain(Duration.ofSeconds(1)).stream().filter(event -> keys.contains(event.key())).count()), e);
        }
    }

    private long awaitLeaderPid() {
        String[] name = new String[1];
        Awaitility.await().atMost(WAIT).until(() -> {
            List<String> leaders = column(LEADER);
            name[0] = leaders.isEmpty() ? null : leaders.get(0);
            return name[0] != null;
        });
        return Long.parseLong(name[0].substring(name[0].indexOf(':') + 1));
    }

    private void write(List<String> keys, int from, int to) {
        try (Connection connection = connect(); PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (int i = from; i < to; i++) {
                String key = keys.get(i % keys.size());
                insert.setString(1, UUID.randomUUID().toString());
                insert.setString(2, key);
                insert.setString(3, "{\"n\":" + i + "}");
                insert.setString(4, key);
                insert.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql, List<String> keys) throws SQLException {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("text", keys.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private List<String> column(String sql, String... parameters) throws SQLException {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
    }
}
