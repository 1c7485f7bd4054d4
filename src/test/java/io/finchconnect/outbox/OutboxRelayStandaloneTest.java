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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.outbox.OutboxPublisher.SendOutcome;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.ManagementInterface;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.Transactions;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Relays started by the test itself (the application's own relay set aside meanwhile): several at once, a crash between
 * publish and mark, a graceful stop in the middle of a batch, and readiness.
 */
@QuarkusTest
class OutboxRelayStandaloneTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");
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
    @Inject
    Pool pool;

    @BeforeEach
    void setTheServicesRelayAside() {
        ServiceRelay.setAside();
    }

    @AfterAll
    static void serviceRelayBack() {
        ServiceRelay.back();
    }

    @AfterEach
    void stopRelays() {
        relays.forEach(relay -> relay.stop(Duration.ofSeconds(10)));
        relays.clear();
    }

    @Test
    void twoRelaysShareThePartitionsAndPublishEveryRowOnceInPerKeyOrder() {
        OutboxRelay first = startRelay(noHooks());
        OutboxRelay second = startRelay(noHooks());
        awaitSharedBy(first, second);
        assertThat(Sql.count("SELECT count(DISTINCT owner) FROM outbox_partition WHERE lease_until > now()")).isEqualTo(2);
        List<String> keys = keys(20);

        Map<String, List<String>> committed = writeEvents(keys, 400);

        List<Event> events = awaitAll(keys, 400);
        assertThat(events).extracting(Event::ceId).doesNotHaveDuplicates();
        assertFirstDeliveriesInCommitOrder(committed, events);
        awaitAllSettled(keys);
    }

    @Test
    void whenARelayJoinsThePartitionsRebalanceAndWhenOneLeavesTheOtherTakesAllWithoutLoss() {
        OutboxRelay first = startRelay(noHooks());
        Awaitility.await().atMost(WAIT).until(() -> first.ownedPartitions() == PartitionLeases.PARTITIONS);
        List<String> keys = keys(10);
        Map<String, List<String>> committed = writeEvents(keys, 100);
        OutboxRelay second = startRelay(noHooks());
        awaitSharedBy(first, second);
        append(committed, writeEvents(keys, 100));

        first.stop(Duration.ofSeconds(10));
        relays.remove(first);
        append(committed, writeEvents(keys, 100));

        Awaitility.await().atMost(WAIT).until(() -> second.ownedPartitions() == PartitionLeases.PARTITIONS);
        assertFirstDeliveriesInCommitOrder(committed, awaitAll(keys, 300));
        awaitAllSettled(keys);
    }

    @Test
    void anOwnerThatLostItsPartitionsWhileItsRowsWereInFlightCannotSettleThemAndClaimsNothingMore() {
        java.util.concurrent.atomic.AtomicInteger fenced = new java.util.concurrent.atomic.AtomicInteger();
        FailingProducer producer = new FailingProducer(kafkaConfig);
        OutboxRelay frozen = startRelay(producer, new Hooks() {
            @Override
            public void fenced(int rows) {
                fenced.addAndGet(rows);
            }
        });
        Awaitility.await().atMost(WAIT).until(() -> frozen.ownedPartitions() == PartitionLeases.PARTITIONS);
        List<String> keys = keys(4);
        producer.holdAcks();
        // One transaction, so that one claim takes all 20 rows whatever the relay's timing.
        Map<String, List<String>> committed = writeEventsInOneTransaction(keys, 20);
        // One record per key is in the producer at a time: the first of each key is out, its ack held.
        Awaitility.await().atMost(WAIT).until(() -> producer.heldAcks() == keys.size());
        try {
            // What another instance does once the lease ran out: a new owner, a new token.
            Sql.update("UPDATE outbox_partition SET owner = 'someone-else', token = token + 1, lease_until = now() + interval '1 hour'");
            producer.releaseAcks();

            Awaitility.await().atMost(WAIT).until(() -> fenced.get() >= keys.size());
            assertThat(pendingOf(keys)).as("its settling was refused: the rows wait for their owner").isEqualTo(20);
            Map<String, List<String>> later = writeEvents(keys, 8);
            assertThat(topic.drain(Duration.ofSeconds(3)).stream().filter(e -> later.values().stream()
                    .anyMatch(ids -> ids.contains(e.ceId())))).as("it claims nothing more of them").isEmpty();
            append(committed, later);
        } finally {
            Sql.update("UPDATE outbox_partition SET owner = NULL, lease_until = '-infinity' WHERE owner = 'someone-else'");
        }
        Awaitility.await().atMost(WAIT).until(() -> frozen.ownedPartitions() == PartitionLeases.PARTITIONS);
        assertFirstDeliveriesInCommitOrder(committed, awaitAll(keys, 28));
        awaitAllSettled(keys);
    }

    @Test
    void aCrashBetweenPublishAndMarkRedeliversWithTheSameIdAndLosesNothing() {
        AtomicBoolean crashed = new AtomicBoolean();
        // The listener hears of the acks before the rows are settled: throwing there is a crash at that point.
        OutboxRelay crashing = startRelay(new Hooks() {
            @Override
            public void published(List<SendOutcome> sent) {
                if (crashed.compareAndSet(false, true)) {
                    throw new IllegalStateException("simulated crash between publish and mark");
                }
            }
        });
        Awaitility.await().atMost(WAIT).until(() -> crashing.ownedPartitions() == PartitionLeases.PARTITIONS);
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
        awaitAllSettled(keys);
        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE message_key = ANY(?) AND attempts > 0",
                (Object) keys.toArray(String[]::new))).as("a crash is not an attempt").isZero();
    }

    @Test
    void aGracefulStopMidBatchNeverSettlesARowThatKafkaDidNotTake() {
        List<String> keys = keys(4);
        Map<String, List<String>> committed = writeEvents(keys, 400);
        OutboxRelay relay = startRelay(noHooks());
        Awaitility.await().atMost(WAIT).until(() -> pendingOf(keys) < 400);

        relay.stop(Duration.ofSeconds(10));
        relays.remove(relay);

        java.util.Set<String> remaining = Sql.column("SELECT event_id::text FROM outbox WHERE message_key = ANY(?)",
                (Object) keys.toArray(String[]::new)).stream().map(Object::toString).collect(Collectors.toSet());
        List<String> settled = committed.values().stream().flatMap(List::stream).filter(id -> !remaining.contains(id)).toList();
        assertThat(settled).isNotEmpty();
        topic.awaitEvents(WAIT, seen -> seen.stream().map(Event::ceId).collect(Collectors.toSet()).containsAll(settled));
        startRelay(noHooks());
        assertFirstDeliveriesInCommitOrder(committed, awaitAll(keys, 400));
    }

    @Test
    void readinessStaysUpWhateverTheBacklogAndItsAgeShowInTheMetrics() {
        String eventId = UUID.randomUUID().toString();
        Sql.update("INSERT INTO outbox (event_id, message_key, event_type, payload, created_at) VALUES "
                + "(?::uuid, 'stale', 'finch.connection.test', '{}', now() - interval '10 minutes')", eventId);
        try {
            Transactions.run(() -> monitor.refreshStats()).join();
            ManagementInterface.given().get("/q/health/ready").then().log().ifValidationFails().statusCode(200);
            String metrics = ManagementInterface.given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(gauge(metrics, "outbox_oldest_pending_age_seconds ", "")).isGreaterThan(500);
            int partition = ((Number) Sql.single("SELECT partition FROM outbox WHERE event_id = ?::uuid", eventId)).intValue();
            assertThat(gauge(metrics, "outbox_partition_pending{", "partition=\"" + partition + "\"")).isGreaterThanOrEqualTo(1);
            assertThat(metrics).contains("outbox_partitions_unowned ", "outbox_fenced_rows_total");
        } finally {
            Sql.update("DELETE FROM outbox WHERE event_id = ?::uuid", eventId);
        }
        Transactions.run(() -> monitor.refreshStats()).join();
        String metrics = ManagementInterface.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(gauge(metrics, "outbox_oldest_pending_age_seconds ", "")).isLessThan(500);
    }

    /** The value of the first sample of the metric whose line starts with {@code prefix} and contains {@code label}. */
    private static double gauge(String metrics, String prefix, String label) {
        return metrics.lines().filter(line -> line.startsWith(prefix) && line.contains(label))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " " + label + " in /q/metrics"));
    }

    private OutboxRelay startRelay(OutboxRelay.RelayListener listener) {
        return startRelay(new FailingProducer(kafkaConfig), listener);
    }

    private OutboxRelay startRelay(FailingProducer producer, OutboxRelay.RelayListener listener) {
        OutboxRelay relay = new OutboxRelay(vertx, pool, new OutboxPublisher(producer, "finch.connection-events"),
                OutboxRelay.Settings.of(100, Duration.ofMillis(200), 5, Duration.ofMillis(100), Duration.ofSeconds(2)),
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

    /** Writes one after the other; returns each key's event ids in commit order. */
    private Map<String, List<String>> writeEvents(List<String> keys, int count) {
        Map<String, List<String>> committed = new java.util.LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String key = keys.get(i % keys.size());
            int n = i;
            committed.computeIfAbsent(key, ignored -> new ArrayList<>())
                    .add(inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", n))).toString());
        }
        return committed;
    }

    private Map<String, List<String>> writeEventsInOneTransaction(List<String> keys, int count) {
        Map<String, List<String>> committed = new java.util.LinkedHashMap<>();
        inTransaction(() -> {
            io.smallrye.mutiny.Uni<Void> writes = io.smallrye.mutiny.Uni.createFrom().voidItem();
            for (int i = 0; i < count; i++) {
                String key = keys.get(i % keys.size());
                int n = i;
                writes = writes.chain(() -> outbox.write(key, "finch.connection.test", Map.of("n", n))
                        .invoke(id -> committed.computeIfAbsent(key, ignored -> new ArrayList<>()).add(id.toString()))
                        .replaceWithVoid());
            }
            return writes;
        });
        return committed;
    }

    private static void append(Map<String, List<String>> committed, Map<String, List<String>> more) {
        more.forEach((key, ids) -> committed.computeIfAbsent(key, ignored -> new ArrayList<>()).addAll(ids));
    }

    private static List<Event> awaitAll(List<String> keys, int distinct) {
        return topic.awaitEvents(WAIT, seen -> seen.stream().filter(e -> keys.contains(e.key())).map(Event::ceId)
                .distinct().count() >= distinct).stream().filter(e -> keys.contains(e.key())).toList();
    }

    private static void assertFirstDeliveriesInCommitOrder(Map<String, List<String>> committed, List<Event> events) {
        committed.forEach((key, ids) -> assertThat(OutboxFirstDeliveryOrderTest.firstDeliveries(
                events.stream().filter(e -> key.equals(e.key())).toList())).as("order of %s", key).containsExactlyElementsOf(ids));
    }

    private static void awaitSharedBy(OutboxRelay first, OutboxRelay second) {
        Awaitility.await().atMost(WAIT).until(() -> first.ownedPartitions() == PartitionLeases.PARTITIONS / 2
                && second.ownedPartitions() == PartitionLeases.PARTITIONS / 2);
    }

    private static long pendingOf(List<String> keys) {
        return Sql.count("SELECT count(*) FROM outbox WHERE message_key = ANY(?) AND sent_at IS NULL",
                (Object) keys.toArray(String[]::new));
    }

    /** Deleted on ack: nothing of the keys is left. */
    private static void awaitAllSettled(List<String> keys) {
        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM outbox WHERE message_key = ANY(?)",
                (Object) keys.toArray(String[]::new)) == 0);
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
