package io.finchconnect.outbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real producer to the test broker that fails chosen records (by ce_id) instead of sending them, the way
 * the broker fails them: later, on another thread, through the callback. It records, in order, every record
 * it really handed to Kafka, so a test sees what went out first, not only what a consumer kept.
 */
final class FailingProducer extends KafkaProducer<String, byte[]> {

    private final Map<String, Supplier<RuntimeException>> failing = new ConcurrentHashMap<>();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final List<String> handedOver = new ArrayList<>();
    private final ScheduledExecutorService broker = Executors.newSingleThreadScheduledExecutor();
    private final List<Runnable> heldAcks = new ArrayList<>();
    private boolean holdingAcks;

    FailingProducer(Map<String, Object> kafkaConfig) {
        super(OutboxPublisher.producerConfig(kafkaConfig, Duration.ofSeconds(10)), new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Fails the record with this ce_id, every time it is sent, until {@link #heal(String)}. */
    void fail(String ceId, Supplier<RuntimeException> error) {
        failing.put(ceId, error);
    }

    /** From now on records go to Kafka but their acks reach the relay only at {@link #releaseAcks()}: a frozen relay. */
    synchronized void holdAcks() {
        holdingAcks = true;
    }

    synchronized int heldAcks() {
        return heldAcks.size();
    }

    void releaseAcks() {
        List<Runnable> acks;
        synchronized (this) {
            holdingAcks = false;
            acks = List.copyOf(heldAcks);
            heldAcks.clear();
        }
        acks.forEach(Runnable::run);
    }

    void heal(String ceId) {
        failing.remove(ceId);
    }

    int failures(String ceId) {
        return failures.getOrDefault(ceId, 0);
    }

    /** The ce_ids of the records handed to Kafka, in the order they were, of the given ones. */
    synchronized List<String> handedOver(List<String> ceIds) {
        return handedOver.stream().filter(ceIds::contains).toList();
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
        String ceId = new String(lastHeader(record, "ce_id"), StandardCharsets.UTF_8);
        Supplier<RuntimeException> error = failing.get(ceId);
        if (error != null) {
            RuntimeException failure = error.get();
            failures.merge(ceId, 1, Integer::sum);
            CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
            broker.schedule(() -> {
                callback.onCompletion(null, failure);
                result.completeExceptionally(failure);
            }, 50, TimeUnit.MILLISECONDS);
            return result;
        }
        synchronized (this) {
            handedOver.add(ceId);
            if (!holdingAcks) {
                return super.send(record, callback);
            }
            return super.send(record, (metadata, outcome) -> {
                synchronized (this) {
                    if (holdingAcks) {
                        heldAcks.add(() -> callback.onCompletion(metadata, outcome));
                        return;
                    }
                }
                callback.onCompletion(metadata, outcome);
            });
        }
    }

    @Override
    public void close(Duration timeout) {
        broker.shutdown();
        super.close(timeout);
    }

    private static byte[] lastHeader(ProducerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? new byte[0] : header.value();
    }
}
