package io.finchconnect.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the service's event topic from the start on a thread of its own and keeps every record with the
 * broker's append time: the topic is created with {@code message.timestamp.type=LogAppendTime}, so a record's
 * timestamp is when the broker took it, the end of the webhook-to-ack latency.
 */
final class EventRecorder implements AutoCloseable {

    /**
     * One record. {@code at} is the Finch time the event reports (detected_at, reauthenticated_at or
     * disconnected_at); a follow-up reauth_needed carries {@code reauth_session} and repeats the transition's time.
     */
    record Recorded(String ceId, String type, String connectionId, String sourceEventId, long at, boolean followUp,
                    long appendedAtMillis, int valueBytes) {

        /** Names the webhook the event is for: its type, connection and Finch timestamp. */
        String transition() {
            return type + "|" + connectionId + "|" + at;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaConsumer<String, String> consumer;
    private final List<Recorded> recorded = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    /** Creates the topic as the deploy/ KafkaTopic does (12 partitions), with the broker's timestamps. */
    static void createTopic(String bootstrapServers, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)
                    .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get(30, TimeUnit.SECONDS);
        }
    }

    EventRecorder(String bootstrapServers, String topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(topic));
        thread = new Thread(this::run, "bench-event-recorder");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    Recorded event = parse(record);
                    synchronized (recorded) {
                        recorded.add(event);
                    }
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close();
        }
    }

    private static Recorded parse(ConsumerRecord<String, String> record) {
        if (record.timestampType() != TimestampType.LOG_APPEND_TIME) {
            throw new IllegalStateException("the event topic does not use the broker's timestamps");
        }
        try {
            JsonNode data = JSON.readTree(record.value());
            String at = firstText(data, "detected_at", "reauthenticated_at", "disconnected_at", "connected_at");
            return new Recorded(header(record, "ce_id"), header(record, "ce_type"), text(data, "connection_id"),
                    text(data, "source_event_id"), at == null ? -1 : OffsetDateTime.parse(at).toEpochSecond(),
                    data.hasNonNull("reauth_session"), record.timestamp(),
                    record.value().getBytes(StandardCharsets.UTF_8).length);
        } catch (Exception e) {
            throw new IllegalStateException("unreadable event at offset " + record.offset() + ": " + e, e);
        }
    }

    List<Recorded> snapshot() {
        if (failure != null) {
            throw failure;
        }
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String text(JsonNode data, String field) {
        JsonNode value = data.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String firstText(JsonNode data, String... fields) {
        for (String field : fields) {
            String value = text(data, field);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
