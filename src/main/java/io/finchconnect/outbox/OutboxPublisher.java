package io.finchconnect.outbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;


/**
 * Sends outbox rows to Kafka as CloudEvents 1.0 in binary mode, with an idempotent producer and acks=all,
 * and reports each row's outcome once the broker acknowledged or refused it.
 * <p>
 * Strict per-key order on first delivery: a key has at most one record in the producer at a time, and its
 * next row is sent only once the previous one was acknowledged. Once a row of a key failed, the key is
 * blocked: its later rows are held back (never handed to the producer) until the relay has settled the
 * failure and {@linkplain #unblock(Set) unblocks} it. Even the idempotent producer does not make a failed
 * record fail the records behind it (a broker that refuses one batch as too large splits it and takes the
 * rest), so sending a key's rows back to back could put a later row on the topic before an earlier one.
 */
public final class OutboxPublisher implements AutoCloseable {

    public static final String SOURCE = "/finch-connect-service";

    private final Producer<String, byte[]> producer;
    private final String topic;
    /** The last row handed over per key, until it has an outcome; touched only on the sender thread. */
    private final Map<String, CompletableFuture<SendOutcome>> lastOfKey = new HashMap<>();
    /** Keys with a failed row not yet settled by the relay; written by the producer's callbacks too. */
    private final Set<String> blocked = ConcurrentHashMap.newKeySet();
    // KafkaProducer.send blocks while it waits for metadata or buffer space; never on an event loop.
    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "outbox-kafka-sender");
        thread.setDaemon(true);
        return thread;
    });

    public OutboxPublisher(Map<String, Object> kafkaConfig, String topic, Duration sendTimeout) {
        this(new KafkaProducer<>(producerConfig(kafkaConfig, sendTimeout), new StringSerializer(),
                new ByteArraySerializer()), topic);
    }

    /** Over a producer made elsewhere (configured with {@link #producerConfig}), e.g. one that fails chosen records. */
    public OutboxPublisher(Producer<String, byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    public static Map<String, Object> producerConfig(Map<String, Object> kafkaConfig, Duration sendTimeout) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        // These settings are the ordering and no-loss guarantees, not tuning: they override the common ones.
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        int deliveryTimeout = (int) sendTimeout.toMillis();
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeout);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(10_000, deliveryTimeout - 50));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(10_000, deliveryTimeout));
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 2);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "finch-connect-outbox");
        config.keySet().removeIf(key -> key.endsWith(".deserializer") || key.startsWith("group.")
                || key.equals("auto.offset.reset"));
        return config;
    }

    /**
     * Starts sending the batch, in order per key, now; the future completes when every row has an outcome
     * (sent, failed, or held back behind a failed row of its key), listed in the batch's order. Batches may
     * overlap: a row waits for the outcome of its key's previous row, whichever batch that was in.
     */
    public CompletableFuture<List<SendOutcome>> send(List<OutboxMessage> batch) {
        return CompletableFuture.supplyAsync(() -> sendAll(batch), sender)
                .thenCompose(futures -> CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                        .handle((ignored, failure) -> futures.stream().map(CompletableFuture::join).toList()));
    }

    /** Lets the keys' rows go again; the relay calls it once their failures are settled and nothing is in flight. */
    public void unblock(Set<String> keys) {
        blocked.removeAll(keys);
    }

    /** After the relay lost track of a batch (its step failed) and that batch's outcomes are all in. */
    public void unblockAll() {
        blocked.clear();
    }

    private List<CompletableFuture<SendOutcome>> sendAll(List<OutboxMessage> batch) {
        List<CompletableFuture<SendOutcome>> futures = new ArrayList<>(batch.size());
        lastOfKey.values().removeIf(CompletableFuture::isDone);
        for (OutboxMessage message : batch) {
            CompletableFuture<SendOutcome> previous = lastOfKey.get(message.key());
            CompletableFuture<SendOutcome> outcome = new CompletableFuture<>();
            if (previous == null) {
                sendUnlessBlocked(message, outcome);
            } else {
                // Not on the producer's I/O thread that completes previous: send() may block there.
                previous.whenCompleteAsync((ignored, failure) -> sendUnlessBlocked(message, outcome), sender);
            }
            lastOfKey.put(message.key(), outcome);
            futures.add(outcome);
        }
        return futures;
    }

    private void sendUnlessBlocked(OutboxMessage message, CompletableFuture<SendOutcome> outcome) {
        if (blocked.contains(message.key())) {
            outcome.complete(SendOutcome.heldBack(message));
            return;
        }
        try {
            producer.send(toRecord(message), (metadata, error) -> {
                if (error != null) {
                    // Before completing: whatever waits on this outcome must find the key blocked.
                    blocked.add(message.key());
                }
                outcome.complete(error == null ? SendOutcome.sent(message) : SendOutcome.failed(message, error));
            });
        } catch (RuntimeException e) {
            blocked.add(message.key());
            outcome.complete(SendOutcome.failed(message, e));
        }
    }

    ProducerRecord<String, byte[]> toRecord(OutboxMessage message) {
        RecordHeaders headers = new RecordHeaders();
        header(headers, "ce_specversion", "1.0");
        header(headers, "ce_id", message.eventId().toString());
        header(headers, "ce_source", SOURCE);
        header(headers, "ce_type", message.type());
        header(headers, "ce_time", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(message.createdAt()));
        header(headers, "ce_subject", message.key());
        header(headers, "content-type", "application/json");
        message.headers().forEach((name, value) -> header(headers, name, value));
        return new ProducerRecord<>(topic, null, message.key(), message.payload().getBytes(StandardCharsets.UTF_8),
                headers);
    }

    private static void header(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    public void close(Duration timeout) {
        producer.close(timeout);
        sender.shutdown();
    }

    /**
     * What happened to one row: sent, failed through its own fault (may park), failed through Kafka's, or held
     * back unsent because an earlier row of its key failed.
     */
    public record SendOutcome(OutboxMessage message, Throwable error) {

        private static final Throwable HELD_BACK = new IllegalStateException("held back behind an earlier row of its key");

        static SendOutcome sent(OutboxMessage message) {
            return new SendOutcome(message, null);
        }

        static SendOutcome failed(OutboxMessage message, Throwable error) {
            return new SendOutcome(message, error);
        }

        static SendOutcome heldBack(OutboxMessage message) {
            return new SendOutcome(message, HELD_BACK);
        }

        public boolean isSent() {
            return error == null;
        }

        /** Never handed to the producer: not a failure of its own, nor Kafka's. */
        public boolean isHeldBack() {
            return error == HELD_BACK;
        }

        /** A row that Kafka will never take as it is; anything else is the broker's or the network's trouble. */
        public boolean isRowAtFault() {
            return error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException
                    || error instanceof InvalidRecordException || error instanceof SerializationException;
        }

        public String errorSummary() {
            return error == null ? null : error.getClass().getSimpleName() + ": " + error.getMessage();
        }
    }
}
