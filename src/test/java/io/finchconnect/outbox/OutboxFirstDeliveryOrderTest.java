package io.finchconnect.outbox;

import static io.finchconnect.testing.Transactions.inTransaction;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntConsumer;

import jakarta.inject.Inject;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Strict per-key order on FIRST delivery, which is what a consumer that keeps the first delivery of each
 * ce_id sees: chosen records fail (as the broker fails them, later and through the callback) while the rest
 * of their batch and the batches behind it are in flight. The relay is started by the test over a producer
 * that fails those records and records what it really handed to Kafka.
 */
@QuarkusTest
class OutboxFirstDeliveryOrderTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String TOPIC = "outbox-first-delivery-order";
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension(TOPIC);

    private final List<OutboxRelay> relays = new ArrayList<>();
    private final List<String> keys = new ArrayList<>();

    @Inject
    Outbox outbox;
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
    void stopRelaysAndForgetRows() {
        relays.forEach(relay -> relay.stop(Duration.ofSeconds(10)));
        relays.clear();
        Sql.update("DELETE FROM outbox WHERE message_key = ANY(?)", (Object) keys.toArray(String[]::new));
    }

    @Test
    void aRowOfAKeyThatFailsHoldsBackOnlyTheLaterRowsOfItsKeyAcrossPipelinedBatches() {
        assertFailureOfOneRowKeepsFirstDeliveriesInCommitOrder(
                (producer, ceId) -> producer.fail(ceId, () -> new RecordTooLargeException("injected: too large")),
                attempts -> assertThat(attempts).as("the row's own failures are attempts").isPositive());
    }

    @Test
    void aRowThatKafkaItselfFailsHoldsBackTheLaterRowsOfItsKeyToo() {
        // An outage-like failure of one record: the attempt is given back, so it never parks.
        assertFailureOfOneRowKeepsFirstDeliveriesInCommitOrder(
                (producer, ceId) -> producer.fail(ceId, () -> new TimeoutException("injected: expired in the accumulator")),
                attempts -> assertThat(attempts).as("Kafka's failures are not the row's attempts").isZero());
    }

    @Test
    void aParkedRowHoldsBackItsKeyUntilRequeuedAndSentThenAllFollowInOrder() {
        FailingProducer producer = new FailingProducer(kafkaConfig);
        String key = newKey();
        String other = newKey();
        String poison = write(key, 0);
        producer.fail(poison, () -> new RecordTooLargeException("injected: too large"));
        List<String> followers = new ArrayList<>(List.of(write(key, 1), write(key, 2)));
        String otherEvent = write(other, 0);
        startRelay(producer, 3);

        awaitParked(poison);
        followers.add(write(key, 3));
        assertThat(topic.eventsWithKey(WAIT, other, 1)).extracting(Event::ceId).containsExactly(otherEvent);
        assertNothingOfKeyArrivesFor(key, Duration.ofSeconds(3));
        assertThat(producer.handedOver(ids(poison, followers))).as("nothing of the key reached Kafka").isEmpty();

        producer.heal(poison);
        given().auth().oauth2(admin()).post("/v1/admin/outbox/parked/" + poison + "/requeue").then().statusCode(200)
                .body("requeued", equalTo(1));

        List<String> committed = ids(poison, followers);
        assertThat(firstDeliveries(topic.eventsWithKey(WAIT, key, 4))).containsExactlyElementsOf(committed);
        assertThat(producer.handedOver(committed)).as("each handed to Kafka once, in commit order")
                .containsExactlyElementsOf(committed);
    }

    @Test
    void aSkippedParkedRowIsNeverPublishedAndReleasesTheLaterRowsOfItsKeyInOrder() {
        FailingProducer producer = new FailingProducer(kafkaConfig);
        String key = newKey();
        String poison = write(key, 0);
        producer.fail(poison, () -> new RecordTooLargeException("injected: too large"));
        List<String> followers = List.of(write(key, 1), write(key, 2), write(key, 3));
        startRelay(producer, 3);

        awaitParked(poison);
        assertNothingOfKeyArrivesFor(key, Duration.ofSeconds(3));
        given().auth().oauth2(TestStack.get().jwt().token("sessions:read"))
                .post("/v1/admin/outbox/parked/" + poison + "/skip").then().statusCode(403);
        given().auth().oauth2(admin()).post("/v1/admin/outbox/parked/not-a-uuid/skip").then().statusCode(400)
                .contentType("application/problem+json");
        given().auth().oauth2(admin()).post("/v1/admin/outbox/parked/" + followers.get(0) + "/skip").then()
                .statusCode(404).contentType("application/problem+json");

        given().auth().oauth2(admin()).post("/v1/admin/outbox/parked/" + poison + "/skip").then().statusCode(200)
                .body("skipped", equalTo(1));

        assertThat(firstDeliveries(topic.eventsWithKey(WAIT, key, 3))).containsExactlyElementsOf(followers);
        assertThat(producer.handedOver(ids(poison, followers))).containsExactlyElementsOf(followers);
        assertThat(Sql.single("SELECT skipped_by FROM outbox WHERE event_id = ?::uuid", poison)).isEqualTo("test-client");
        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE event_id = ?::uuid AND skipped_at IS NOT NULL "
                + "AND parked_at IS NULL", poison)).isEqualTo(1);
        assertThat(topic.drain(Duration.ofSeconds(1))).extracting(Event::ceId).doesNotContain(poison);
        given().auth().oauth2(admin()).post("/v1/admin/outbox/parked/" + poison + "/requeue").then().statusCode(404);
    }

    /**
     * Key K's rows are spread over several batches of ten, with rows of three other keys between them; K's
     * second row fails until the others have all arrived. Batches are claimed and sent while the one before
     * is still in flight, so the later rows of K are already claimed when the failure comes.
     */
    private void assertFailureOfOneRowKeepsFirstDeliveriesInCommitOrder(FailureInjector inject,
                                                                       IntConsumer checkAttemptsWhileFailing) {
        FailingProducer producer = new FailingProducer(kafkaConfig);
        String k = newKey();
        List<String> others = List.of(newKey(), newKey(), newKey());
        List<Integer> positionsOfK = List.of(0, 5, 9, 12, 25, 33);
        List<String> ofK = new ArrayList<>();
        Map<String, List<String>> ofOthers = new java.util.HashMap<>();
        for (int i = 0, o = 0; i < 40; i++) {
            if (positionsOfK.contains(i)) {
                ofK.add(write(k, i));
            } else {
                String key = others.get(o++ % others.size());
                ofOthers.computeIfAbsent(key, ignored -> new ArrayList<>()).add(write(key, i));
            }
        }
        inject.inject(producer, ofK.get(1));
        startRelay(producer, 1000);

        for (String key : others) {
            assertThat(firstDeliveries(topic.eventsWithKey(WAIT, key, ofOthers.get(key).size())))
                    .as("other keys flow on, in order").containsExactlyElementsOf(ofOthers.get(key));
        }
        Awaitility.await().atMost(WAIT).until(() -> producer.failures(ofK.get(1)) >= 2);
        assertThat(firstDeliveries(topic.drain(Duration.ofMillis(500)).stream().filter(e -> k.equals(e.key())).toList()))
                .as("only K's row before the failed one").containsExactly(ofK.get(0));
        assertThat(producer.handedOver(ofK)).containsExactly(ofK.get(0));
        checkAttemptsWhileFailing.accept(((Number) Sql.single("SELECT attempts FROM outbox WHERE event_id = ?::uuid",
                ofK.get(1))).intValue());

        producer.heal(ofK.get(1));

        assertThat(firstDeliveries(topic.eventsWithKey(WAIT, k, ofK.size()))).containsExactlyElementsOf(ofK);
        assertThat(producer.handedOver(ofK)).as("each handed to Kafka once, in commit order").containsExactlyElementsOf(ofK);
        Awaitility.await().atMost(WAIT).until(() -> Sql.count("SELECT count(*) FROM outbox WHERE message_key = ?", k) == 0);
    }

    @FunctionalInterface
    interface FailureInjector {
        void inject(FailingProducer producer, String ceId);
    }

    /** Deletes on ack, as in production. */
    private void startRelay(FailingProducer producer, int maxAttempts) {
        OutboxRelay relay = new OutboxRelay(vertx, pool,
                new OutboxPublisher(producer, TOPIC),
                OutboxRelay.Settings.of(10, Duration.ofMillis(200), maxAttempts, Duration.ofMillis(100), Duration.ofSeconds(1)),
                new OutboxRelayStandaloneTest.Hooks());
        relays.add(relay);
        relay.start();
    }

    private String newKey() {
        String key = "conn-" + UUID.randomUUID();
        keys.add(key);
        return key;
    }

    private String write(String key, int n) {
        return inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", n))).toString();
    }

    private static void awaitParked(String eventId) {
        Awaitility.await().atMost(WAIT).until(() -> Boolean.TRUE.equals(
                Sql.single("SELECT parked_at IS NOT NULL FROM outbox WHERE event_id = ?::uuid", eventId)));
    }

    private static void assertNothingOfKeyArrivesFor(String key, Duration period) {
        assertThat(topic.drain(period)).filteredOn(e -> key.equals(e.key())).isEmpty();
    }

    private static List<String> ids(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static String admin() {
        return TestStack.get().jwt().token("outbox:admin");
    }

    /** Each event once, at its first delivery: what a consumer that de-duplicates by ce_id keeps. */
    static List<String> firstDeliveries(List<Event> events) {
        return List.copyOf(new LinkedHashSet<>(events.stream().map(Event::ceId).toList()));
    }
}
