package io.finchconnect.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;

import io.finchconnect.outbox.OutboxPublisher;
import io.finchconnect.outbox.OutboxPublisher.SendOutcome;
import io.finchconnect.outbox.OutboxRelay;
import io.finchconnect.outbox.OutboxRelayLifecycle;
import io.finchconnect.outbox.OutboxStore;
import io.finchconnect.testing.EmbeddedPostgresServer;
import io.finchconnect.testing.KafkaBroker;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;

/**
 * Outbox relay benchmark (docs/benchmarks.md): on one embedded PostgreSQL and one KRaft broker, the raw
 * throughput of a plain Kafka producer with the relay's settings, the relay's sustained throughput over a
 * backlog written by concurrent transactions, and its commit-to-ack latency at half its maximum rate.
 * Prints the ratios and writes them with a description of the machine to {@code src/bench/results/}.
 */
public final class OutboxBenchmark {

    private static final int ROWS = Integer.getInteger("bench.rows", 50_000);
    private static final int WRITERS = Integer.getInteger("bench.writers", 32);
    private static final int KEYS = 1_000;
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final Duration LATENCY_RUN = Duration.ofSeconds(Integer.getInteger("bench.latency-seconds", 20));

    private final Vertx vertx = Vertx.vertx();
    private final Map<String, Object> kafkaConfig;
    private final PgConnectOptions connectOptions;
    private final Pool pool;
    private final String payload;
    private final Path postgresData;
    /** Every row the benchmark committed: event id to (key, outbox id), for the consumer's order check. */
    private final Map<String, Written> written = new ConcurrentHashMap<>();
    private final LoadAverage load = new LoadAverage();

    record Written(String key, long id) {
    }

    private OutboxBenchmark(EmbeddedPostgresServer postgres, KafkaBroker kafka, Path postgresData) {
        this.postgresData = postgresData.toAbsolutePath();
        this.kafkaConfig = Map.of("bootstrap.servers", kafka.bootstrapServers());
        this.connectOptions = OutboxRelayLifecycle.connectOptions(postgres.reactiveUrl(), postgres.username(), postgres.password());
        this.pool = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(WRITERS))
                .connectingTo(connectOptions).using(vertx.getDelegate()).build());
        this.payload = samplePayload();
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of("target", "bench", "outbox-" + ProcessHandle.current().pid());
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(root.resolve("postgres"), 0);
             KafkaBroker kafka = KafkaBroker.start(root.resolve("kafka"), 0)) {
            Flyway.configure().dataSource(postgres.jdbcUrl(), postgres.username(), postgres.password())
                    .locations("classpath:db/migration").load().migrate();
            new OutboxBenchmark(postgres, kafka, root.resolve("postgres")).run();
        }
        System.exit(0);
    }

    /**
     * Raw producer and relay alternate for several rounds on the same broker, and the medians are compared:
     * on a shared machine one round of either can be twice as fast as the next.
     */
    private void run() throws Exception {
        log("rows=%d writers=%d keys=%d payload=%d bytes rounds=%d", ROWS, WRITERS, KEYS, payload.length(), ROUNDS);
        load.start();
        // The JIT warms the raw producer over its first tens of thousands of records; every round is compared warm.
        producerOnce("bench.warmup", ROWS);
        List<Double> raws = new ArrayList<>();
        List<Double> writes = new ArrayList<>();
        List<Double> relays = new ArrayList<>();
        // CPU ms per row (this JVM + PostgreSQL + broker) of the raw producer and of the relay, per round: unlike
        // elapsed time, barely moved by other work on a shared machine.
        List<Double> rawCpu = new ArrayList<>();
        List<Double> relayCpu = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            double[] before = cpu();
            raws.add(producerOnce("bench.raw", ROWS));
            rawCpu.add(cpuMillisPerRow(before, cpu(), ROWS));
            writes.add(writeBacklog(ROWS));
            before = cpu();
            relays.add(drainBacklog(ROWS));
            relayCpu.add(cpuMillisPerRow(before, cpu(), ROWS));
            log("round %d: raw producer %.0f records/s, outbox writes %.0f rows/s, relay %.0f rows/s (%.2f)", round,
                    raws.get(round - 1), writes.get(round - 1), relays.get(round - 1), relays.get(round - 1) / raws.get(round - 1));
            log("  outbox table: %s", tableStats());
        }
        double raw = median(raws);
        double written = median(writes);
        double relay = median(relays);
        // One relay against two on the same backlog, committed at once with the relays already sharing the
        // partitions; on two cores the second relay shows correctness and overhead, not speed-up.
        Split one = drainCommittedBacklog(1, ROWS);
        Split two = drainCommittedBacklog(2, ROWS);
        log("committed backlog: one relay %s; two relays %s", one, two);
        log("  outbox table: %s", tableStats());

        // The sustainable maximum is bounded by writing as well as by relaying: half of the smaller one.
        double rate = Math.min(relay, written) / 2;
        List<Duration> latencies = latencyAt(rate);
        Collections.sort(latencies);
        Duration p50 = percentile(latencies, 0.50);
        Duration p99 = percentile(latencies, 0.99);
        log("latency at %.0f rows/s: p50 %d ms, p99 %d ms over %d rows", rate, p50.toMillis(), p99.toMillis(),
                latencies.size());
        double ratio = relay / raw;
        double cpuRatio = median(rawCpu) / median(relayCpu);
        log("CPU per row: raw producer %s ms, relay %s ms; ratio of medians %.2f", figures3(rawCpu), figures3(relayCpu), cpuRatio);
        log("median relay / median raw producer = %.2f (target >= 0.50); p99 at half rate %s 100 ms", ratio,
                p99.toMillis() < 100 ? "<" : ">=");
        load.stop();
        Order order = verifyFirstDeliveries();
        log("consumer: %s", order);
        writeResults(raws, writes, relays, ratio, rate, p50, p99, latencies.size(), one, two, order, rawCpu, relayCpu,
                cpuRatio);
        if (!order.ok()) {
            throw new IllegalStateException("first-delivery check failed: " + order);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static double cpuMillisPerRow(double[] before, double[] after, int rows) {
        return ((after[0] - before[0]) + (after[1] - before[1]) + (after[2] - before[2])) * 1000 / rows;
    }

    private static String figures3(List<Double> values) {
        return values.stream().map(v -> String.format("%.3f", v)).collect(java.util.stream.Collectors.joining(", "));
    }

    private static String figures(List<Double> values) {
        return values.stream().map(v -> String.format("%.0f", v)).collect(java.util.stream.Collectors.joining(", "));
    }

    /** A plain producer with the relay's producer settings, same payload and headers; records per second. */
    private double producerOnce(String topic, int records) throws InterruptedException {
        Map<String, Object> config = OutboxPublisherSettings.of(kafkaConfig);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            byte[] value = payload.getBytes(StandardCharsets.UTF_8);
            CountDownLatch acked = new CountDownLatch(records);
            AtomicInteger failures = new AtomicInteger();
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
                headers.add("ce_type", "finch.connection.established".getBytes(StandardCharsets.UTF_8));
                headers.add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
                headers.add("ce_source", OutboxPublisher.SOURCE.getBytes(StandardCharsets.UTF_8));
                headers.add("ce_time", OffsetDateTime.now().toString().getBytes(StandardCharsets.UTF_8));
                headers.add("ce_subject", key(i).getBytes(StandardCharsets.UTF_8));
                headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(topic, null, key(i), value, headers), (metadata, error) -> {
                    if (error != null) {
                        failures.incrementAndGet();
                    }
                    acked.countDown();
                });
            }
            acked.await(5, TimeUnit.MINUTES);
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " raw sends failed");
            }
            return records / seconds(System.nanoTime() - start);
        }
    }

    /** Rows written with the writer's own statement, one transaction each, WRITERS at a time; rows per second. */
    private double writeBacklog(int rows) {
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            writers.add(writeLoop(next, rows).subscribeAsCompletionStage());
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();
        return rows / seconds(System.nanoTime() - start);
    }

    private Uni<Void> writeLoop(AtomicInteger next, int rows) {
        int i = next.getAndIncrement();
        if (i >= rows) {
            return Uni.createFrom().voidItem();
        }
        return writeOne(i).chain(() -> writeLoop(next, rows));
    }

    /** The writer's own statement in its own transaction; the row's id is kept for the consumer's order check. */
    private Uni<Void> writeOne(int i) {
        String eventId = UUID.randomUUID().toString();
        return pool.withTransaction(connection -> connection.preparedQuery(OutboxStore.INSERT + " RETURNING id")
                .execute(Tuple.of(eventId, key(i), "finch.connection.established", payload, "{}")))
                .invoke(rows -> written.put(eventId, new Written(key(i), rows.iterator().next().getLong(0))))
                .replaceWithVoid();
    }

    /** Starts a relay over the waiting backlog and times it until every row is marked sent; rows per second. */
    private double drainBacklog(int rows) throws InterruptedException {
        Pool instancePool = instancePool();
        LatencyRecorder recorder = new LatencyRecorder();
        OutboxRelay relay = newRelay(instancePool, recorder);
        long start = System.nanoTime();
        relay.start();
        awaitDrained(List.of(recorder), rows);
        double throughput = rows / seconds(System.nanoTime() - start);
        relay.stop(Duration.ofSeconds(10));
        instancePool.closeAndAwait();
        return throughput;
    }

    /**
     * Starts {@code relays} relays, waits until they share the partitions evenly, then commits a backlog of
     * {@code rows} in one statement and times the relays until it is gone; with the CPU this JVM spent on it.
     */
    private Split drainCommittedBacklog(int relays, int rows) throws InterruptedException {
        List<OutboxRelay> started = new ArrayList<>();
        List<Pool> pools = new ArrayList<>();
        List<LatencyRecorder> recorders = new ArrayList<>();
        for (int i = 0; i < relays; i++) {
            // Each relay is one instance: its own pool and producer, sharing the partitions through the leases.
            Pool instancePool = instancePool();
            LatencyRecorder recorder = new LatencyRecorder();
            recorders.add(recorder);
            OutboxRelay relay = newRelay(instancePool, recorder);
            relay.start();
            started.add(relay);
            pools.add(instancePool);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (started.stream().anyMatch(relay -> relay.ownedPartitions() != 64 / relays) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        String owned = started.stream().map(relay -> String.valueOf(relay.ownedPartitions()))
                .collect(java.util.stream.Collectors.joining(" + "));
        // The backlog is written before the clock starts, so its insert's CPU is not counted per relayed row.
        long startOfInsert = System.nanoTime();
        pool.preparedQuery("""
                INSERT INTO outbox (event_id, message_key, event_type, payload)
                SELECT gen_random_uuid(), 'conn-' || (g % $2), 'finch.connection.established', CAST($1 AS jsonb)
                FROM generate_series(0, $3 - 1) AS g
                RETURNING event_id, message_key, id
                """).execute(Tuple.of(payload, KEYS, rows)).await().atMost(Duration.ofMinutes(2))
                .forEach(row -> written.put(row.getUUID(0).toString(), new Written(row.getString(1), row.getLong(2))));
        double[] cpuBefore = cpu();
        long start = System.nanoTime();
        pool.query("NOTIFY finch_outbox").execute().await().atMost(Duration.ofSeconds(30));
        awaitDrained(recorders, rows);
        long end = System.nanoTime();
        double elapsed = seconds(end - start);
        double[] cpuAfter = cpu();
        started.forEach(relay -> relay.stop(Duration.ofSeconds(10)));
        pools.forEach(Pool::closeAndAwait);
        // Relays that owned no partition until the rows were committed would have waited; the insert took this long:
        log("%d relay(s) owned %s partitions; the backlog insert took %d ms and is not timed", relays, owned,
                TimeUnit.NANOSECONDS.toMillis(start - startOfInsert));
        return new Split(relays, owned, rows / elapsed, (cpuAfter[0] - cpuBefore[0]) * 1000 / rows,
                (cpuAfter[1] - cpuBefore[1]) * 1000 / rows, (cpuAfter[2] - cpuBefore[2]) * 1000 / rows);
    }

    /** rows/s over a committed backlog; CPU ms per row of the relays' JVM, PostgreSQL and the broker. */
    record Split(int relays, String ownedPartitions, double rowsPerSecond, double relayJvmMs, double postgresMs,
                 double kafkaMs) {
        double totalMs() {
            return relayJvmMs + postgresMs + kafkaMs;
        }

        @Override
        public String toString() {
            return String.format("%.0f rows/s, CPU per row %.3f ms (relay JVM %.3f, PostgreSQL %.3f, broker %.3f);"
                    + " partitions owned %s", rowsPerSecond, totalMs(), relayJvmMs, postgresMs, kafkaMs, ownedPartitions);
        }
    }

    /** CPU seconds so far of this JVM (the relays; the writers are idle meanwhile), PostgreSQL and the broker. */
    private double[] cpu() {
        String dataFolder = postgresData.toString();
        double postgres = ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().map(line -> line.contains(dataFolder)).orElse(false))
                .flatMap(postmaster -> java.util.stream.Stream.concat(java.util.stream.Stream.of(postmaster), postmaster.descendants()))
                .mapToDouble(process -> ProcessCpu.seconds(process.pid())).sum();
        double kafka = ProcessHandle.current().children()
                .flatMap(child -> java.util.stream.Stream.concat(java.util.stream.Stream.of(child), child.descendants()))
                .mapToDouble(process -> ProcessCpu.seconds(process.pid())).sum();
        return new double[] { ProcessCpu.seconds(ProcessHandle.current().pid()), postgres, kafka };
    }

    private Pool instancePool() {
        return Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(20))
                .connectingTo(connectOptions).using(vertx.getDelegate()).build());
    }

    /** Result of reading the relays' topic from the start: first deliveries per key against commit (id) order. */
    record Order(int committed, int delivered, int firstDeliveries, int missing, int redeliveries, int unknown,
                 int keysChecked, int outOfOrder) {
        boolean ok() {
            return missing == 0 && unknown == 0 && outOfOrder == 0;
        }

        @Override
        public String toString() {
            return String.format("%d rows committed, %d records read, %d first deliveries, %d missing, %d redeliveries,"
                    + " %d unknown ids; first deliveries of %d keys checked against commit order: %d out of order",
                    committed, delivered, firstDeliveries, missing, redeliveries, unknown, keysChecked, outOfOrder);
        }
    }

    /**
     * Reads the relays' topic from the start with a plain consumer, keeps the first delivery of each ce_id and
     * checks that for every key they come in the outbox's id order (which, per key, is commit order: writers of
     * one key are serialised by the insert's advisory lock until they commit).
     */
    private Order verifyFirstDeliveries() {
        Map<String, Object> config = new java.util.HashMap<>(kafkaConfig);
        config.put("enable.auto.commit", "false");
        config.put("max.poll.records", "5000");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("finch.connection-events").stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            java.util.Set<String> seen = new java.util.HashSet<>();
            Map<String, Long> lastIdPerKey = new java.util.HashMap<>();
            int records = 0;
            int redeliveries = 0;
            int unknown = 0;
            int outOfOrder = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    records++;
                    Header header = record.headers().lastHeader("ce_id");
                    String ceId = header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
                    if (!seen.add(ceId)) {
                        redeliveries++;
                        continue;
                    }
                    Written row = written.get(ceId);
                    if (row == null || !row.key().equals(record.key())) {
                        unknown++;
                        continue;
                    }
                    Long last = lastIdPerKey.put(row.key(), row.id());
                    if (last != null && last > row.id()) {
                        outOfOrder++;
                    }
                }
            }
            int firstDeliveries = (int) written.keySet().stream().filter(seen::contains).count();
            return new Order(written.size(), records, firstDeliveries, written.size() - firstDeliveries, redeliveries,
                    unknown, lastIdPerKey.size(), outOfOrder);
        }
    }

    /** Writes at a steady rate while the relay runs; commit-to-ack latency of each row. */
    private List<Duration> latencyAt(double rowsPerSecond) throws InterruptedException {
        LatencyRecorder recorder = new LatencyRecorder();
        Pool instancePool = instancePool();
        OutboxRelay relay = newRelay(instancePool, recorder);
        relay.start();
        Thread.sleep(1_000);
        long periodNanos = (long) (1e9 / rowsPerSecond);
        long end = System.nanoTime() + LATENCY_RUN.toNanos();
        long due = System.nanoTime();
        int i = 0;
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        while (due < end) {
            long now = System.nanoTime();
            while (due <= now && due < end) {
                writes.add(writeOne(i++).subscribeAsCompletionStage());
                due += periodNanos;
            }
            TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(due - System.nanoTime(), 1_000_000)));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        while (pending() > 0) {
            Thread.sleep(20);
        }
        relay.stop(Duration.ofSeconds(10));
        instancePool.closeAndAwait();
        return new ArrayList<>(recorder.latencies);
    }

    private OutboxRelay newRelay(Pool relayPool, LatencyRecorder recorder) {
        return new OutboxRelay(vertx, relayPool,
                new OutboxPublisher(kafkaConfig, "finch.connection-events", Duration.ofSeconds(30)),
                OutboxRelay.Settings.of(Integer.getInteger("bench.batch", 500), Duration.ofSeconds(1), 5, Duration.ofMillis(200), Duration.ofSeconds(30)),
                recorder);
    }

    /**
     * Waits until the relays acknowledged {@code rows} rows, then until the table has none pending (the last
     * batch's delete). Not by counting the table meanwhile: a count every few milliseconds over a backlog of
     * tens of thousands of rows was most of PostgreSQL's work, and grew the slower the relay went.
     */
    private void awaitDrained(List<LatencyRecorder> recorders, int rows) throws InterruptedException {
        while (recorders.stream().mapToLong(recorder -> recorder.published.get()).sum() < rows) {
            Thread.sleep(10);
        }
        while (pending() > 0) {
            Thread.sleep(10);
        }
    }

    /** The outbox table's scan and vacuum counters, to say what PostgreSQL did with it during a phase. */
    private String tableStats() {
        return pool.query("""
                SELECT format('seq_scan %s, seq_tup_read %s, idx_scan %s, idx_tup_fetch %s, dead %s, autovacuum %s, autoanalyze %s',
                              seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, n_dead_tup, autovacuum_count, autoanalyze_count)
                FROM pg_stat_user_tables WHERE relname = 'outbox'""").execute()
                .map(rows -> rows.iterator().next().getString(0)).await().atMost(Duration.ofSeconds(30));
    }

    private long pending() {
        return pool.query("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL").execute()
                .map(rows -> rows.iterator().next().getLong(0)).await().atMost(Duration.ofSeconds(30));
    }

    private void writeResults(List<Double> raws, List<Double> writes, List<Double> relays, double ratio, double rate,
                              Duration p50, Duration p99, int samples, Split one, Split two, Order order,
                              List<Double> rawCpu, List<Double> relayCpu, double cpuRatio) throws Exception {
        Path file = Path.of("src", "bench", "results", "outbox-relay.md");
        String text = """
                # Outbox relay benchmark

                Command: `./mvnw -Pbench-outbox` (options: `-Dbench.rows` default 50000, `-Dbench.rounds` default 3,
                `-Dbench.batch` default 500). Produced by
                `io.finchconnect.bench.OutboxBenchmark`; embedded PostgreSQL and a KRaft broker on the same machine.

                Run: %s. Machine: %s. During the run: %s.

                | figure | value |
                |---|---|
                | rows, concurrent writer transactions, distinct keys | %d, %d, %d |
                | payload | %d bytes JSON, CloudEvents headers |
                | raw Kafka producer (same broker, payload, acks=all, idempotent), per round | %s records/s |
                | outbox writes (writer's statement, one transaction each), per round | %s rows/s |
                | relay, one instance, over the backlog (claim, publish, ack, delete), per round | %s rows/s |
                | **median relay / median raw producer** (target >= 0.50) | **%.2f** |
                | CPU per row (benchmark JVM + PostgreSQL + broker), raw producer, per round | %s ms |
                | CPU per row, relay (one instance), per round | %s ms |
                | the ratio from CPU time: median raw CPU per row / median relay CPU per row | %.2f |
                | commit-to-ack latency at %.0f rows/s (half the smaller of write and relay maxima), p50 | %d ms |
                | same, **p99** (target < 100 ms) | **%d ms** (%d samples) |
                | backlog committed at once, **one instance** | %s |
                | same backlog, **two instances** sharing the partitions, combined | %s |
                | **first deliveries** (the benchmark's consumer, every row of every phase) | %s |

                Rounds alternate the raw producer and the relay on the same broker; the ratio compares medians. An
                instance is a relay with its own pool (20 connections) and producer; the two share one JVM and the
                partitions through the leases, as two service instances would. CPU per row is measured from /proc
                over the drain of the committed backlog only (the relays' JVM, PostgreSQL's processes, the broker);
                on two cores the second instance shows correctness and overhead, not speed-up. Commit-to-ack is
                measured from the row's `created_at` (taken inside the writing transaction, so slightly before its
                commit) to the relay's acknowledgement callback. The consumer reads the relays' topic from the start
                after all phases, keeps each `ce_id`'s first delivery, and checks that per key those come in outbox
                id order, which per key is commit order (the insert holds a per-key advisory lock until commit).
                """.formatted(OffsetDateTime.now().withNano(0), Machine.describe(), load.describe(), ROWS, WRITERS, KEYS,
                payload.length(), figures(raws), figures(writes), figures(relays), ratio, figures3(rawCpu), figures3(relayCpu),
                cpuRatio, rate, p50.toMillis(),
                p99.toMillis(), samples, one, two, order);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        log("results written to %s", file);
    }

    private static String key(int i) {
        return "conn-" + (i % KEYS);
    }

    private static String samplePayload() {
        return """
                {"connection_id":"c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11","customer_id":"employer-000123",\
                "customer_name":"Acme Payroll Holdings LLC","company_id":"514d0b1c-8f8e-4a3e-a1f5-6f2a9c0d3e77",\
                "provider_id":"gusto","products":["company","directory","individual","employment","payment",\
                "pay_statement"],"connection_type":"provider","entity_ids":["9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60"],\
                "connected_at":"2026-11-29T05:00:00Z"}""";
    }

    private static Duration percentile(List<Duration> sorted, double p) {
        return sorted.isEmpty() ? Duration.ZERO : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[outbox-bench] " + format + "%n", args);
    }

    private static final class LatencyRecorder implements OutboxRelay.RelayListener {
        final ConcurrentLinkedQueue<Duration> latencies = new ConcurrentLinkedQueue<>();
        final java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void published(List<SendOutcome> sent) {
            published.addAndGet(sent.size());
            OffsetDateTime now = OffsetDateTime.now();
            sent.forEach(outcome -> latencies.add(Duration.between(outcome.message().createdAt(), now)));
        }

        @Override
        public void failed(int rows) {
        }

        @Override
        public void parked(int rows) {
        }
    }

    /** The relay's producer settings, for the raw producer to match. */
    static final class OutboxPublisherSettings {
        static Map<String, Object> of(Map<String, Object> kafkaConfig) {
            Map<String, Object> config = new java.util.HashMap<>(OutboxPublisher.producerConfig(kafkaConfig, Duration.ofSeconds(30)));
            config.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-raw");
            return config;
        }
    }
}
