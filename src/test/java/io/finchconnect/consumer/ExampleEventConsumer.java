package io.finchconnect.consumer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How a service of the platform consumes finch-connect-service's connection events with the plain Kafka client
 * (docs/consuming-events.md): it reads the CloudEvents headers, handles each {@code ce_id} once (the first
 * delivery; a redelivery carries the same id) and commits offsets only after handling, so nothing is lost.
 * One consumer thread handles a partition's records in offset order, which for one connection (the record key)
 * is the order the service committed its changes in.
 */
public final class ExampleEventConsumer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ExampleEventConsumer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One event as the CloudEvents binary-mode headers and the JSON value describe it. */
    public record ConnectionEvent(String id, String type, String connectionId, OffsetDateTime time, JsonNode data) {
    }

    /**
     * The ids of the events already handled. In a real service this is a table with {@code ce_id} as its primary
     * key, inserted in the same database transaction as the handler's effect, so an event is either handled
     * and remembered or neither; kept at least as long as a redelivery can come (days, not minutes).
     */
    public interface HandledEvents {

        boolean contains(String eventId);

        void add(String eventId);
    }

    /** Remembers the handled ids in memory: enough for this example, lost on restart. */
    public static final class InMemoryHandledEvents implements HandledEvents {

        private final Set<String> ids = ConcurrentHashMap.newKeySet();

        @Override
        public boolean contains(String eventId) {
            return ids.contains(eventId);
        }

        @Override
        public void add(String eventId) {
            ids.add(eventId);
        }
    }

    private final KafkaConsumer<String, String> consumer;
    private final HandledEvents handled;
    private final Consumer<ConnectionEvent> handler;
    private final AtomicLong duplicatesSkipped = new AtomicLong();

    public ExampleEventConsumer(String bootstrapServers, String groupId, String topic, HandledEvents handled,
            Consumer<ConnectionEvent> handler) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // One group per consuming service: each of its instances gets some partitions, every connection's
        // events stay on one partition, so one instance sees all of a connection's events, in order.
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Offsets are committed after the records were handled: a crash re-reads them (at least once), and the
        // handled ids turn that into exactly one effect.
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(topic));
        this.handled = handled;
        this.handler = handler;
    }

    /**
     * Prints the events of a running service, each once: {@code java -cp <test classpath>
     * io.finchconnect.consumer.ExampleEventConsumer [bootstrap-servers] [topic]}, by default the local stack's
     * broker (localhost:59092) and {@code finch.connection-events}, from the beginning of the topic.
     */
    public static void main(String[] args) {
        String bootstrapServers = args.length > 0 ? args[0] : "localhost:59092";
        String topic = args.length > 1 ? args[1] : "finch.connection-events";
        ExampleEventConsumer consumer = new ExampleEventConsumer(bootstrapServers,
                "example-event-consumer-" + UUID.randomUUID(), topic, new InMemoryHandledEvents(),
                event -> System.out.printf("%s %s %s %s%n", event.time(), event.type(), event.connectionId(), event.data()));
        Runtime.getRuntime().addShutdownHook(new Thread(consumer::close));
        consumer.run();
    }

    /** Polls and handles until {@link #close()} is called from another thread. */
    public void run() {
        try {
            while (true) {
                pollOnce(Duration.ofMillis(500));
            }
        } catch (WakeupException e) {
            // close() was called: leave the loop.
        } finally {
            consumer.close();
        }
    }

    /** One poll: each record in offset order per partition, then the offsets of what was handled. */
    void pollOnce(Duration timeout) {
        ConsumerRecords<String, String> records = consumer.poll(timeout);
        for (ConsumerRecord<String, String> record : records) {
            handle(record);
        }
        if (!records.isEmpty()) {
            consumer.commitSync();
        }
    }

    private void handle(ConsumerRecord<String, String> record) {
        String id = header(record, "ce_id");
        if (id == null || !"1.0".equals(header(record, "ce_specversion"))) {
            LOG.warnf("skipping a record without CloudEvents 1.0 headers at %s-%d@%d", record.topic(),
                    record.partition(), record.offset());
            return;
        }
        // A redelivery (the relay crashed after Kafka took the record, or a partition changed owner) has the
        // same ce_id and may come after later events of its connection: the first delivery is the one in order.
        if (handled.contains(id)) {
            duplicatesSkipped.incrementAndGet();
            return;
        }
        handler.accept(new ConnectionEvent(id, header(record, "ce_type"), record.key(),
                OffsetDateTime.parse(header(record, "ce_time")), data(record)));
        handled.add(id);
    }

    private static JsonNode data(ConsumerRecord<String, String> record) {
        try {
            return JSON.readTree(record.value());
        } catch (Exception e) {
            throw new IllegalStateException("event " + header(record, "ce_id") + " is not JSON", e);
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Redeliveries recognised by their ce_id and not handled again. */
    public long duplicatesSkipped() {
        return duplicatesSkipped.get();
    }

    /** Stops {@link #run()} at its next poll, which then closes the Kafka consumer. */
    @Override
    public void close() {
        consumer.wakeup();
    }
}
