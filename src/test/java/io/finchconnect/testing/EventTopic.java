package io.finchconnect.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

/**
 * Reads a topic from the beginning in a test, keeping every record, so assertions see all deliveries
 * (redeliveries included) in partition order.
 */
public final class EventTopic implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final List<Event> seen = new ArrayList<>();

    public EventTopic(String topic) {
        this(topic, TestStack.bootstrapServers());
    }

    public EventTopic(String topic, String bootstrapServers) {
        createIfMissing(topic, bootstrapServers);
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(topic));
    }

    /** Polls until {@code done} holds for the events seen so far, or fails after the timeout. */
    public List<Event> awaitEvents(Duration timeout, Predicate<List<Event>> done) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
            poll();
            return done.test(seen);
        });
        return List.copyOf(seen);
    }

    /** Waits for {@code count} distinct events (by ce_id) of the key; returns every delivery of it. */
    public List<Event> eventsWithKey(Duration timeout, String key, int count) {
        awaitEvents(timeout, events -> events.stream().filter(e -> key.equals(e.key())).map(Event::ceId).distinct()
                .count() >= count);
        return seen.stream().filter(e -> key.equals(e.key())).toList();
    }

    /** Everything that arrived within {@code period}, for asserting that something did not arrive. */
    public List<Event> drain(Duration period) {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            poll();
        }
        return List.copyOf(seen);
    }

    /** A consumer that subscribes before the topic exists may not see it for minutes; so it exists first. */
    private static void createIfMissing(String topic, String bootstrapServers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e.getCause());
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private void poll() {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
            Map<String, String> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
            seen.add(new Event(record.key(), record.value(), headers, record.partition(), record.offset()));
        }
    }

    @Override
    public void close() {
        consumer.close();
    }

    public record Event(String key, String value, Map<String, String> headers, int partition, long offset) {
        public String ceId() {
            return headers.get("ce_id");
        }

        public String type() {
            return headers.get("ce_type");
        }

        /** The follow-up reauth_needed event that carries the reauthentication session, not a transition. */
        public boolean carriesReauthSession() {
            return value != null && value.contains("\"reauth_session\"");
        }
    }
}
