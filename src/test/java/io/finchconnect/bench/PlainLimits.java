package io.finchconnect.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.finchconnect.outbox.OutboxPublisher;
import io.finchconnect.outbox.OutboxRelayLifecycle;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.PoolOptions;

/**
 * What the machine allows without the service, on the same PostgreSQL and broker: single-row outbox-shaped
 * inserts (each its own transaction) from as many connections as the service's pool, and a plain Kafka producer
 * with the relay's settings and the events' size.
 */
final class PlainLimits {

    private PlainLimits() {
    }

    /** Rows per second, and PostgreSQL's CPU milliseconds per row (0 for an external server). */
    record Inserts(double perSecond, double postgresCpuMillisPerRow) {
    }

    /** Autocommit inserts into a copy of the outbox table, {@code connections} at a time. */
    static Inserts postgresInserts(Map<String, String> config, int connections, int rows, String payload) {
        Vertx vertx = Vertx.vertx();
        Pool pool = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(connections))
                .connectingTo(OutboxRelayLifecycle.connectOptions(config.get("quarkus.datasource.reactive.url"),
                        config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password")))
                .using(vertx.getDelegate()).build());
        try {
            // Same columns, defaults, indexes and storage parameters as the outbox; its own sequence.
            pool.query("""
                    DROP TABLE IF EXISTS bench_outbox;
                    CREATE TABLE bench_outbox (LIKE outbox INCLUDING ALL);
                    CREATE SEQUENCE bench_outbox_id_seq OWNED BY bench_outbox.id;
                    ALTER TABLE bench_outbox ALTER COLUMN id SET DEFAULT nextval('bench_outbox_id_seq')
                    """).execute().await().atMost(Duration.ofSeconds(30));
            insertAll(pool, connections, Math.max(1_000, rows / 10), payload);
            long postmaster = ProcessCpu.embeddedPostgres();
            double cpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) : 0;
            long start = System.nanoTime();
            insertAll(pool, connections, rows, payload);
            double perSecond = rows / ((System.nanoTime() - start) / 1e9);
            cpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) - cpu : 0;
            pool.query("DROP TABLE bench_outbox").execute().await().atMost(Duration.ofSeconds(30));
            return new Inserts(perSecond, cpu * 1e3 / rows);
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
    }

    private static void insertAll(Pool pool, int connections, int rows, String payload) {
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < connections; w++) {
            writers.add(insertLoop(pool, next, rows, payload).subscribeAsCompletionStage());
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();
    }

    private static Uni<Void> insertLoop(Pool pool, AtomicInteger next, int rows, String payload) {
        int i = next.getAndIncrement();
        if (i >= rows) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("""
                        INSERT INTO bench_outbox (event_id, message_key, event_type, payload, headers)
                        VALUES (CAST($1 AS uuid), $2, $3, CAST(CAST($4 AS text) AS jsonb), CAST(CAST($5 AS text) AS jsonb))""")
                .execute(Tuple.of(UUID.randomUUID().toString(), "conn-" + (i % 4_000), "finch.connection.disconnected",
                        payload, "{}"))
                .chain(() -> insertLoop(pool, next, rows, payload));
    }

    /**
     * Records per second of a plain producer with the relay's producer settings, on a topic shaped like the
     * event topic, values of {@code valueBytes} and the events' CloudEvents headers; after a warm-up round.
     */
    static double kafkaProducer(String bootstrapServers, String topic, int records, int valueBytes) throws Exception {
        EventRecorder.createTopic(bootstrapServers, topic, 12);
        Map<String, Object> config = new HashMap<>(OutboxPublisher.producerConfig(
                Map.of("bootstrap.servers", bootstrapServers), Duration.ofSeconds(30)));
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-plain-producer");
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'x');
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            produce(producer, topic, Math.max(1_000, records / 2), value);
            long start = System.nanoTime();
            produce(producer, topic, records, value);
            return records / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void produce(KafkaProducer<String, byte[]> producer, String topic, int records, byte[] value)
            throws InterruptedException {
        CountDownLatch acked = new CountDownLatch(records);
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < records; i++) {
            String key = UUID.randomUUID().toString();
            RecordHeaders headers = new RecordHeaders();
            headers.add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
            headers.add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
            headers.add("ce_source", OutboxPublisher.SOURCE.getBytes(StandardCharsets.UTF_8));
            headers.add("ce_type", "finch.connection.disconnected".getBytes(StandardCharsets.UTF_8));
            headers.add("ce_time", OffsetDateTime.now().toString().getBytes(StandardCharsets.UTF_8));
            headers.add("ce_subject", key.getBytes(StandardCharsets.UTF_8));
            headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(topic, null, key, value, headers), (metadata, error) -> {
                if (error != null) {
                    failures.incrementAndGet();
                }
                acked.countDown();
            });
        }
        if (!acked.await(5, TimeUnit.MINUTES) || failures.get() > 0) {
            throw new IllegalStateException("plain producer: " + failures.get() + " sends failed or timed out");
        }
    }
}
