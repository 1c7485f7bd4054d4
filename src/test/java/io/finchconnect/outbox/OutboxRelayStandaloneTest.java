package io.finchconnect.outbox;

import static io.finchconnect.testing.Transactions.inTransaction;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.finchconnect.outbox.OutboxPublisher.SendOutcome;
import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.ManagementInterface;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.Transactions;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.core.Vertx;

/**
 * Relays started by the test itself (the application's own relay is off): several at once, a crash between
 * publish and mark, a graceful stop in the middle of a batch, and readiness.
 */
@QuarkusTest
@TestProfile(OutboxRelayStandaloneTest.RelayOff.class)
class OutboxRelayStandaloneTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static EventTopic topic;
    private final List<OutboxRelay> relays = new ArrayList<>();

    @Inject
    Outbox outbox;
    @Inject
    OutboxMonitor monitor;
    @Inject
    Vertx vertx;
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;
    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String databaseUrl;
    @ConfigProperty(name = "quarkus.datasource.username")
    String user;
    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    public static class RelayOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("outbox.relay-enabled", "false", "outbox.stats-interval", "1s");
        }
    }

    @BeforeAll
    static void subscribe() {
        topic = new EventTopic("finch.connection-events");
    }

    @AfterAll
    static void unsubscribe() {
        topic.close();
    }

    @AfterEach
    void stopRelays() {
        relays.forEach(relay -> relay.stop(Duration.ofSeconds(10)));
        relays.clear();
    }

    @Test
    void twoRelaysPublishEveryRowOnceInPerKeyOrder() {
        OutboxRelay first = startRelay(noHooks());
        OutboxRelay second = startRelay(noHooks());
        Awaitility.await().atMost(WAIT).until(() -> first.isLeader() || second.isLeader());
        List<String> keys = keys(5);

        writeEvents(keys, 200);

        List<Event> events = awaitAll(keys, 200);
        assertThat(events).extracting(Event::ceId).doesNotHaveDuplicates();
        assertPerKeyCommitOrder(keys, events);
        assertThat(first.isLeader() && second.isLeader()).as("never two leaders").isFalse();
    }

    @Test
    void whenTheLeaderStopsTheOtherTakesOverWithoutLoss() {
        OutboxRelay first = startRelay(noHooks());
        Awaitility.await().atMost(WAIT).until(first::isLeader);
        OutboxRelay second = startRelay(noHooks());
        List<String> keys = keys(3);
        writeEvents(keys, 30);
        awaitAll(keys, 30);

        first.stop(Duration.ofSeconds(10));
        relays.remove(first);
        writeEvents(keys, 30);

        Awaitility.await().atMost(WAIT).until(second::isLeader);
        List<Event> events = awaitAll(keys, 60);
        assertPerKeyCommitOrder(keys, events);
    }

    @Test
    void aCrashBetweenPublishAndMarkRedeliversWithTheSameIdAndLosesNothing() {
        AtomicBoolean crashed = new AtomicBoolean();
        // The listener hears of the acks before the rows are marked: throwing there is a crash at that point.
        OutboxRelay crashing = startRelay(new Hooks() {
            @Override
            public void published(List<SendOutcome> sent) {
                if (crashed.compareAndSet(false, true)) {
                    throw new IllegalStateException("simulated crash between publish and mark");
                }
            }
        });
        Awaitility.await().atMost(WAIT).until(crashing::isLeader);
        List<String> keys = keys(2);

        writeEvents(keys, 20);

        // All 20 may arrive in the crashed batch itself; its redelivery comes after the relay's backoff.
        List<Event> events = topic.awaitEvents(WAIT, seen -> {
            List<Event> ours = seen.stream().filter(e -> keys.contains(e.key())).toList();
            return ours.stream().map(Event::ceId).distinct().count() >= 20 && ours.size() > 20;
        }).stream().filter(e -> keys.contains(e.key())).toList();
        assertThat(crashed).isTrue();
        Map<String, Long> deliveries = events.stream().collect(Collectors.groupingBy(Event::ceId, Collectors.counting()));
        assertThat(deliveries).hasSize(20);
        assertThat(deliveries.values()).as("redelivered, never more than twice here").allMatch(n -> n <= 2);
        assertThat(deliveries.values()).as("the crashed batch came again").anyMatch(n -> n == 2);
        awaitSent(keys, 20);
    }

    @Test
    void aGracefulStopMidBatchNeverMarksARowThatKafkaDidNotTake() {
        List<String> keys = keys(4);
        writeEvents(keys, 400);
        OutboxRelay relay = startRelay(noHooks());
        Awaitility.await().atMost(WAIT).until(relay::isLeader);
        Awaitility.await().atMost(WAIT).until(() -> sentCount(keys) > 0);

        relay.stop(Duration.ofSeconds(10));
        relays.remove(relay);

        List<String> marked = Sql.column("SELECT event_id::text FROM outbox WHERE message_key = ANY(?) AND sent_at IS NOT NULL",
                (Object) keys.toArray(String[]::new)).stream().map(Object::toString).toList();
        List<Event> onKafka = topic.awaitEvents(WAIT, seen -> seen.stream().map(Event::ceId).collect(Collectors.toSet())
                .containsAll(marked));
        assertThat(onKafka).isNotEmpty();
        startRelay(noHooks());
        assertPerKeyCommitOrder(keys, awaitAll(keys, 400));
    }

    @Test
    void readinessIsDownWhileTheOldestPendingRowIsOlderThanTheThreshold() {
        String eventId = UUID.randomUUID().toString();
        Sql.update("INSERT INTO outbox (event_id, message_key, event_type, payload, created_at) VALUES "
                + "(?::uuid, 'stale', 'finch.connection.test', '{}', now() - interval '10 minutes')", eventId);
        try {
            Transactions.run(() -> monitor.refreshStats()).join();
            ManagementInterface.given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'outbox' }.status", org.hamcrest.Matchers.equalTo("DOWN"));
        } finally {
            Sql.update("UPDATE outbox SET sent_at = now() WHERE event_id = ?::uuid", eventId);
        }
        Transactions.run(() -> monitor.refreshStats()).join();
        ManagementInterface.given().get("/q/health/ready").then().statusCode(200);
    }

    private OutboxRelay startRelay(OutboxRelay.RelayListener listener) {
        OutboxRelay relay = new OutboxRelay(vertx, OutboxRelayLifecycle.connectOptions(databaseUrl, user, password),
                new OutboxPublisher(kafkaConfig, "finch.connection-events", Duration.ofSeconds(10)),
                new OutboxRelay.Settings(100, Duration.ofMillis(200), 5, Duration.ofMillis(100), Duration.ofSeconds(2)),
                listener);
        relays.add(relay);
        relay.start();
        return relay;
    }

    private static List<String> keys(int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add("conn-" + UUID.randomUUID());
        }
        return keys;
    }

    private void writeEvents(List<String> keys, int count) {
        for (int i = 0; i < count; i++) {
            String key = keys.get(i % keys.size());
            int n = i;
            inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", n)));
        }
    }

    private static List<Event> awaitAll(List<String> keys, int distinct) {
        return topic.awaitEvents(WAIT, seen -> seen.stream().filter(e -> keys.contains(e.key())).map(Event::ceId)
                .distinct().count() >= distinct).stream().filter(e -> keys.contains(e.key())).toList();
    }

    private static void assertPerKeyCommitOrder(List<String> keys, List<Event> events) {
        for (String key : keys) {
            List<String> committed = Sql.column("SELECT event_id::text FROM outbox WHERE message_key = ? ORDER BY id", key)
                    .stream().map(Object::toString).toList();
            assertThat(OutboxFaultsTest.lastDeliveryOrder(events.stream().filter(e -> key.equals(e.key())).toList()))
                    .as("order of %s", key).containsExactlyElementsOf(committed);
        }
    }

    private static long sentCount(List<String> keys) {
        return Sql.count("SELECT count(*) FROM outbox WHERE message_key = ANY(?) AND sent_at IS NOT NULL",
                (Object) keys.toArray(String[]::new));
    }

    private static void awaitSent(List<String> keys, int count) {
        Awaitility.await().atMost(WAIT).until(() -> sentCount(keys) == count);
    }

    private static Hooks noHooks() {
        return new Hooks();
    }

    static class Hooks implements OutboxRelay.RelayListener {
        @Override
        public void published(List<SendOutcome> sent) {
        }

        @Override
        public void failed(int rows) {
        }

        @Override
        public void parked(int rows) {
        }
    }
}
