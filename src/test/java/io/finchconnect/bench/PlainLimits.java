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

    /**
     * Autocommit single-row inserts into a copy of the inbox table (columns, defaults, indexes, storage
     * parameters), shaped like the intake's row of a webhook, {@code connections} at a time: what one webhook
     * would cost if storing it were nothing but one plain insert.
     */
    static Inserts postgresInserts(Map<String, String> config, int connections, int rows) {
        Vertx vertx = Vertx.vertx();
        Pool pool = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(connections))
                .connectingTo(OutboxRelayLifecycle.connectOptions(config.get("quarkus.datasource.reactive.url"),
                        config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password")))
                .using(vertx.getDelegate()).build());
        try {
            pool.query("""
                    DROP TABLE IF EXISTS bench_inbox;
                    CREATE TABLE bench_inbox (LIKE incoming_events INCLUDING ALL)
                    """).execute().await().atMost(Duration.ofSeconds(30));
            insertAll(pool, connections, Math.max(1_000, rows / 10));
            long postmaster = ProcessCpu.embeddedPostgres();
            double cpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) : 0;
            long start = System.nanoTime();
            insertAll(pool, connections, rows);
            double perSecond = rows / ((System.nanoTime() - start) / 1e9);
            cpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) - cpu : 0;
            pool.query("DROP TABLE bench_inbox").execute().await().atMost(Duration.ofSeconds(30));
            return new Inserts(perSecond, cpu * 1e3 / rows);
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
    }

    /** The intake's columns for one webhook, as plain VALUES. */
    static final String INBOX_ROW_INSERT = """
            INSERT INTO bench_inbox (event_id, channel, event_type, connection_id, entity_id, occurred_at, state, outcome,
                                     detail, traceparent)
            VALUES ($1, 'http', 'account.updated', $2, NULL, now(), 'pending', 'accepted', NULL, NULL)""";

    private static void insertAll(Pool pool, int connections, int rows) {
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < connections; w++) {
            writers.add(insertLoop(pool, next, rows).subscribeAsCompletionStage());
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();
    }

    private static Uni<Void> insertLoop(Pool pool, AtomicInteger next, int rows) {
        int i = next.getAndIncrement();
        if (i >= rows) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery(INBOX_ROW_INSERT)
                .execute(Tuple.of("msg_" + UUID.randomUUID().toString().replace("-", ""), "conn-" + (i % 4_000)))
                .chain(() -> insertLoop(pool, next, rows));
    }

    /** pgbench's figures: transactions per second, and CPU ms per transaction of PostgreSQL and of pgbench. */
    record Pgbench(double tps, double postgresCpuMillis, double clientCpuMillis, String command) {
    }

    /**
     * The same single-row insert driven by pgbench (prepared statements, {@code clients} connections, two
     * threads), when pgbench is installed; null otherwise. A C client: the bound PostgreSQL itself sets.
     */
    static Pgbench pgbench(Map<String, String> config, int clients, int seconds) throws Exception {
        java.nio.file.Path binary = java.util.stream.Stream.of("/usr/bin/pgbench", "/usr/local/bin/pgbench")
                .map(java.nio.file.Path::of).filter(java.nio.file.Files::isExecutable).findFirst().orElse(null);
        if (binary == null) {
            return null;
        }
        java.net.URI jdbc = java.net.URI.create(config.get("quarkus.datasource.jdbc.url").substring("jdbc:".length()));
        String database = jdbc.getPath().substring(1);
        java.nio.file.Path script = java.nio.file.Files.createTempFile("bench-inbox", ".sql");
        java.nio.file.Files.writeString(script, """
                \\set n random(1, 4000)
                INSERT INTO bench_inbox (event_id, channel, event_type, connection_id, entity_id, occurred_at, state, outcome, detail, traceparent) VALUES ('pgb_' || md5(random()::text || clock_timestamp()::text), 'http', 'account.updated', 'conn-' || :n, NULL, now(), 'pending', 'accepted', NULL, NULL);
                """);
        runPsql(config, "DROP TABLE IF EXISTS bench_inbox; CREATE TABLE bench_inbox (LIKE incoming_events INCLUDING ALL)");
        java.util.List<String> command = java.util.List.of(binary.toString(), "-n", "-M", "prepared", "-c", String.valueOf(clients),
                "-j", "2", "-T", String.valueOf(seconds), "-f", script.toString(), "-h", jdbc.getHost(), "-p",
                String.valueOf(jdbc.getPort()), "-U", config.get("quarkus.datasource.username"), database);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", config.get("quarkus.datasource.password"));
        long postmaster = ProcessCpu.embeddedPostgres();
        double cpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) : 0;
        double selfChildren = childrenCpu();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        process.waitFor();
        // pgbench's backends exit with it; their CPU moves to the postmaster's children's times once it reaps them.
        Thread.sleep(1_000);
        cpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) - cpu : 0;
        double client = childrenCpu() - selfChildren;
        runPsql(config, "DROP TABLE bench_inbox");
        java.util.regex.Matcher tps = java.util.regex.Pattern.compile("tps = ([0-9.]+)").matcher(output);
        java.util.regex.Matcher count = java.util.regex.Pattern.compile("number of transactions actually processed: (\\d+)").matcher(output);
        if (!tps.find() || !count.find()) {
            throw new IllegalStateException("pgbench: " + output);
        }
        long transactions = Long.parseLong(count.group(1));
        return new Pgbench(Double.parseDouble(tps.group(1)), cpu * 1e3 / transactions, client * 1e3 / transactions,
                String.join(" ", command.subList(0, command.indexOf("-f"))) + " -f <one INSERT>");
    }

    /** CPU of this JVM's reaped children (cutime + cstime): pgbench once it exited. */
    private static double childrenCpu() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / 100.0;
        } catch (Exception e) {
            return 0;
        }
    }

    private static void runPsql(Map<String, String> config, String sql) throws Exception {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
             java.sql.Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
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
