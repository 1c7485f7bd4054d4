package io.finchconnect.outbox;

import static io.finchconnect.testing.Transactions.gate;
import static io.finchconnect.testing.Transactions.inTransaction;
import static io.finchconnect.testing.Transactions.startTransaction;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Sql;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class OutboxOrderingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @Inject
    Outbox outbox;

    /**
     * Transaction A takes an outbox id first; B (same key) must wait for A's commit, so the ids of one key are
     * in commit order. C (another key) takes a higher id and commits while A is still open: the relay publishes
     * C at once, and A's lower id, committed later, is published too, not skipped.
     */
    @Test
    void anEarlierIdThatCommitsLaterIsNeitherLostNorReordered() {
        String key = "conn-" + UUID.randomUUID();
        String otherKey = "conn-" + UUID.randomUUID();
        CompletableFuture<Void> commitA = new CompletableFuture<>();
        CompletableFuture<Void> aHasItsId = new CompletableFuture<>();

        CompletableFuture<UUID> a = startTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("tx", "A"))
                .invoke(() -> aHasItsId.complete(null))
                .call(() -> gate(commitA)));
        aHasItsId.join();
        CompletableFuture<UUID> b = startTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("tx", "B")));
        UUID c = inTransaction(() -> outbox.write(otherKey, "finch.connection.test", Map.of("tx", "C")));

        topic.eventsWithKey(WAIT, otherKey, 1);
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !b.isDone());
        commitA.complete(null);
        UUID idOfA = a.join();
        UUID idOfB = b.join();

        List<Event> events = topic.eventsWithKey(WAIT, key, 2);
        assertThat(events).extracting(Event::ceId).containsExactly(idOfA.toString(), idOfB.toString());
        long rowOfA = rowId(idOfA);
        assertThat(rowOfA).isLessThan(rowId(idOfB)).isLessThan(rowId(c));
    }

    @Test
    void concurrentWritersKeepPerKeyOrderAndEveryEventArrivesOnce() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            keys.add("conn-" + UUID.randomUUID());
        }
        ExecutorService writers = Executors.newFixedThreadPool(16);
        List<CompletableFuture<UUID>> writes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String key = keys.get(i % keys.size());
            int n = i;
            writes.add(CompletableFuture.supplyAsync(
                    () -> inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", n))), writers));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        writers.shutdown();

        List<Event> events = topic.awaitEvents(WAIT,
                seen -> seen.stream().filter(e -> keys.contains(e.key())).count() >= 300);

        Map<String, List<String>> deliveredByKey = events.stream().filter(e -> keys.contains(e.key()))
                .collect(Collectors.groupingBy(Event::key, LinkedHashMap::new,
                        Collectors.mapping(Event::ceId, Collectors.toList())));
        for (String key : keys) {
            List<String> committedOrder = Sql.column(
                    "SELECT event_id::text FROM outbox WHERE message_key = ? ORDER BY id", key).stream()
                    .map(Object::toString).toList();
            assertThat(deliveredByKey.get(key)).as("deliveries of %s", key).containsExactlyElementsOf(committedOrder);
        }
    }

    private static long rowId(UUID eventId) {
        return ((Number) Sql.single("SELECT id FROM outbox WHERE event_id = ?::uuid", eventId.toString())).longValue();
    }
}
