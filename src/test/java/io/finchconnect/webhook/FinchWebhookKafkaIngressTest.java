package io.finchconnect.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class FinchWebhookKafkaIngressTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");
    private static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void connect() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestStack.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    @Test
    void eventsFromKafkaShareTheHandlerAndTheDeduplication() {
        SimulatedConnection connection = SimulatedConnections.connected();
        Finch.setStatusUndelivered(connection.connectionId(), "reauth");
        String eventId = "msg_" + UUID.randomUUID();
        String body = """
                {"connection_id":"%s","event_type":"account.updated","data":{"status":"reauth"}}""".formatted(connection.connectionId());

        send(connection.connectionId(), eventId, body);
        send(connection.connectionId(), eventId, body);

        topic.eventsWithKey(WAIT, connection.connectionId(), 1);
        assertThat(Sql.single("SELECT channel FROM incoming_events WHERE event_id = ?", eventId)).isEqualTo("kafka");
        assertThat(topic.drain(Duration.ofSeconds(1)).stream()
                .filter(e -> connection.connectionId().equals(e.key()) && !e.carriesReauthSession()))
                .as("one transition event for two deliveries").extracting(Event::type)
                .containsExactly("finch.connection.reauth_needed");
    }

    @Test
    void poisonRecordsAreSkippedWithoutBlockingThePartition() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String key = connection.connectionId();
        Finch.setStatusUndelivered(key, "disconnected");
        // Same key, so the same partition: the good record can only be handled after the poison ones.
        producer.send(new ProducerRecord<>("finch.webhooks", key, "{\"no\":\"event id header\"}".getBytes(StandardCharsets.UTF_8)));
        String unreadable = "msg_" + UUID.randomUUID();
        send(key, unreadable, "\u0000\u0001 not json");
        String good = "msg_" + UUID.randomUUID();
        send(key, good, """
                {"connection_id":"%s","event_type":"account.updated","data":{"status":"disconnected"}}""".formatted(key));

        Awaitility.await().atMost(WAIT).until(() -> "applied".equals(Sql.single("SELECT outcome FROM incoming_events WHERE event_id = ?", good)));
        assertThat(Sql.single("SELECT outcome FROM incoming_events WHERE event_id = ?", unreadable)).isEqualTo("rejected");
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", key)).isEqualTo("disconnected");
    }

    @Test
    void recordsThatCannotBeStoredAsTheyAreDoNotHoldThePartition() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String key = connection.connectionId();
        Finch.setStatusUndelivered(key, "disconnected");
        ProducerRecord<String, byte[]> nulId = new ProducerRecord<>("finch.webhooks", key, "{}".getBytes(StandardCharsets.UTF_8));
        nulId.headers().add("finch-event-id", "msg_\u0000".getBytes(StandardCharsets.UTF_8));
        producer.send(nulId);
        ProducerRecord<String, byte[]> headerWithoutValue = new ProducerRecord<>("finch.webhooks", key, "{}".getBytes(StandardCharsets.UTF_8));
        headerWithoutValue.headers().add("content-type", null);
        producer.send(headerWithoutValue);
        String nulBody = "msg_" + UUID.randomUUID();
        send(key, nulBody, "{\"connection_id\":\"\\u0000\",\"event_type\":\"account.updated\"}");
        String nullBody = "msg_" + UUID.randomUUID();
        send(key, nullBody, "null");
        String beyondInstants = "msg_" + UUID.randomUUID();
        send(key, beyondInstants, "{}", String.valueOf(Long.MAX_VALUE));
        String beyondPostgres = "msg_" + UUID.randomUUID();
        send(key, beyondPostgres, "{}", "9999999999999");
        String good = "msg_" + UUID.randomUUID();
        send(key, good, """
                {"connection_id":"%s","event_type":"account.updated","data":{"status":"disconnected"}}""".formatted(key));

        Awaitility.await().atMost(WAIT).until(() -> "applied".equals(Sql.single("SELECT outcome FROM incoming_events WHERE event_id = ?", good)));
        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE event_id IN (?, ?) AND outcome = 'rejected'", nulBody, nullBody))
                .isEqualTo(2);
        assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE event_id IN (?, ?) AND occurred_at <= now()",
                beyondInstants, beyondPostgres)).as("an impossible timestamp is replaced by the time of arrival").isEqualTo(2);
    }

    private static void send(String key, String eventId, String body) {
        send(key, eventId, body, String.valueOf(Instant.now().getEpochSecond()));
    }

    private static void send(String key, String eventId, String body, String timestamp) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>("finch.webhooks", key, body.getBytes(StandardCharsets.UTF_8));
        record.headers().add("finch-event-id", eventId.getBytes(StandardCharsets.UTF_8));
        record.headers().add("finch-timestamp", timestamp.getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
