package io.finchconnect.outbox;

import static io.finchconnect.testing.Transactions.inTransaction;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.ManagementInterface;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.finchconnect.testing.Transactions;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class OutboxFaultsTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @Inject
    Outbox outbox;
    @Inject
    OutboxMonitor monitor;

    @Test
    void eventsWrittenWhileKafkaIsDownAllArriveInOrderWhenItReturns() {
        List<String> keys = List.of("conn-" + UUID.randomUUID(), "conn-" + UUID.randomUUID(), "conn-" + UUID.randomUUID());
        TestStack.get().kafka().stop();
        try {
            for (int i = 0; i < 30; i++) {
                String key = keys.get(i % keys.size());
                int n = i;
                inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", n)));
            }
            assertThat(Sql.count("SELECT count(*) FROM outbox WHERE message_key = ANY(?) AND sent_at IS NULL",
                    (Object) keys.toArray(String[]::new))).isEqualTo(30);
        } finally {
            TestStack.get().kafka().start();
        }

        for (String key : keys) {
            List<String> delivered = firstDeliveryOrder(topic.eventsWithKey(WAIT, key, 10));
            List<String> committed = Sql.column("SELECT event_id::text FROM outbox WHERE message_key = ? ORDER BY id", key)
                    .stream().map(Object::toString).toList();
            assertThat(delivered).containsExactlyElementsOf(committed);
        }
        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE message_key = ANY(?) AND parked_at IS NOT NULL",
                (Object) keys.toArray(String[]::new))).as("an outage parks nothing").isZero();
    }

    @Test
    void relayRecoversWhenPostgresComesBackWithoutARestart() {
        TestStack.get().postgres().stop();
        try {
            Awaitility.await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
        } finally {
            TestStack.get().postgres().start();
        }
        String key = "conn-" + UUID.randomUUID();
        Awaitility.await().atMost(WAIT).ignoreExceptions()
                .until(() -> inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", 1))) != null);

        assertThat(topic.eventsWithKey(WAIT, key, 1)).hasSize(1);
    }

    @Test
    void poisonRowIsParkedWithoutBlockingOtherKeysAndCanBeRequeued() {
        String poisonKey = "conn-" + UUID.randomUUID();
        String healthyKey = "conn-" + UUID.randomUUID();
        UUID poison = inTransaction(() -> outbox.write(poisonKey, "finch.connection.test", Map.of("blob", "x".repeat(1_200_000))));
        inTransaction(() -> outbox.write(healthyKey, "finch.connection.test", Map.of("n", 1)));

        assertThat(topic.eventsWithKey(WAIT, healthyKey, 1)).hasSize(1);
        Awaitility.await().atMost(WAIT).until(() -> Boolean.TRUE.equals(
                Sql.single("SELECT parked_at IS NOT NULL FROM outbox WHERE event_id = ?::uuid", poison.toString())));
        assertThat(Sql.single("SELECT attempts FROM outbox WHERE event_id = ?::uuid", poison.toString())).isEqualTo(5);
        assertThat((String) Sql.single("SELECT last_error FROM outbox WHERE event_id = ?::uuid", poison.toString()))
                .contains("RecordTooLargeException");

        Transactions.run(() -> monitor.refreshStats()).join();
        ManagementInterface.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("outbox_parked "), containsString("outbox_parked_rows_total"));
        String admin = TestStack.get().jwt().token("outbox:admin");
        given().auth().oauth2(admin).get("/v1/admin/outbox/parked?limit=1000").then().statusCode(200)
                .body("event_id", hasItem(poison.toString()));
        given().get("/v1/admin/outbox/parked").then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2(TestStack.get().jwt().token("sessions:read")).post("/v1/admin/outbox/parked/requeue")
                .then().statusCode(403).contentType("application/problem+json");

        given().auth().oauth2(admin).post("/v1/admin/outbox/parked/" + poison + "/requeue").then().statusCode(200)
                .body("requeued", org.hamcrest.Matchers.equalTo(1));
        // Still too large: back in the queue with fresh attempts, then parked again after the same number of tries.
        Awaitility.await().atMost(WAIT).until(() -> Boolean.TRUE.equals(
                Sql.single("SELECT parked_at IS NOT NULL AND attempts = 5 FROM outbox WHERE event_id = ?::uuid", poison.toString())));
        given().auth().oauth2(admin).post("/v1/admin/outbox/parked/" + UUID.randomUUID() + "/requeue").then()
                .statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(admin).post("/v1/admin/outbox/parked/not-a-uuid/requeue").then()
                .statusCode(400).contentType("application/problem+json");
        Sql.update("DELETE FROM outbox WHERE event_id = ?::uuid", poison.toString());
    }

    @Test
    void retentionDeletesOnlySentRowsPastTheirRetention() {
        List<String> ids = new ArrayList<>();
        for (String sentAt : List.of("now() - interval '2 hours'", "now()", "NULL")) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            Sql.update("INSERT INTO outbox (event_id, message_key, event_type, payload, sent_at, parked_at) VALUES "
                    + "(?::uuid, 'retention', 'finch.connection.test', '{}', " + sentAt + ", now())", id);
        }

        Transactions.run(() -> monitor.deleteExpiredRows()).join();

        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE event_id = ?::uuid", ids.get(0))).isZero();
        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE event_id = ?::uuid", ids.get(1))).isEqualTo(1);
        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE event_id = ?::uuid", ids.get(2))).isEqualTo(1);
        Sql.update("DELETE FROM outbox WHERE message_key = 'retention'");
    }

    @Test
    void metricsDescribeTheOutbox() {
        String key = "conn-" + UUID.randomUUID();
        inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", 1)));
        topic.eventsWithKey(WAIT, key, 1);

        ManagementInterface.given().get("/q/metrics").then().statusCode(200).body(
                containsString("outbox_pending "), containsString("outbox_oldest_pending_age_seconds "),
                containsString("outbox_published_total "), containsString("outbox_failed_total "),
                containsString("outbox_publish_latency_seconds_bucket"), containsString("outbox_parked "));
    }

    /**
     * Each key's events in the order of their first delivery: a consumer that de-duplicates by ce_id acts on the
     * first and drops the repeats, so that is the order the relay must keep, whatever is redelivered after.
     */
    static List<String> firstDeliveryOrder(List<Event> events) {
        java.util.LinkedHashSet<String> order = new java.util.LinkedHashSet<>();
        for (Event event : events) {
            order.add(event.ceId());
        }
        return List.copyOf(order);
    }
}
