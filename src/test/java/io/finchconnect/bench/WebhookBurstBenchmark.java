package io.finchconnect.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.finchconnect.bench.InboxAccounting.EventCheck;
import io.finchconnect.bench.ServiceMemory.Snapshot;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;
import io.vertx.core.Vertx;

/**
 * Webhook burst and memory benchmarks (docs/benchmarks.md), on the inbox model (docs/inbox.md). On one machine:
 * embedded PostgreSQL, a KRaft broker, the Finch simulator and the production jar with the Deployment's heap.
 * Connections known to the simulator (each with its real, sealed access token) and stored {@code connected}; at
 * Finch 40% of them are then put in {@code reauth} and 10% {@code disconnected} without a webhook.
 * <ol>
 * <li>Plain limits of the same PostgreSQL, in the same run: single-row insert transactions of an inbox-shaped row
 * from as many connections as the service's pool, and the same with pgbench where it is installed.</li>
 * <li>Intake: a burst of signed {@code account.updated} webhooks (a tenth exact re-deliveries) with a fixed number
 * in flight, while the benchmark holds every connection's inbox lease, so the processor leaves the events
 * waiting: accepted/s, CPU per webhook (service and PostgreSQL), every original accepted exactly once.</li>
 * <li>Processing of that backlog: the simulator answers {@code /introspect} after 100 ms; the benchmark releases
 * the leases and times the processor until no event is pending and the last owed event is on Kafka; events/s,
 * CPU per event, introspections per connection; every owed event exactly once, nothing else.</li>
 * </ol>
 * Also the service's resident memory idle and at the peak, and a plain producer's rate on the same broker.
 * Writes {@code src/bench/results/webhook-burst.md} and {@code memory.md}; exits non-zero when an event is
 * missing or extra, or a webhook was not accepted exactly once.
 */
public final class WebhookBurstBenchmark {

    private static final int WEBHOOKS = Integer.getInteger("bench.webhooks", 100_000);
    private static final int CONNECTIONS = Integer.getInteger("bench.connections", 4_000);
    private static final int IN_FLIGHT = Integer.getInteger("bench.in-flight", 64);
    /** The service's reactive pool (DB_POOL_MAX_SIZE in deploy/base/config.env and its default). */
    private static final int DB_POOL = Integer.getInteger("bench.db-pool", 20);
    private static final int PG_ROWS = Integer.getInteger("bench.pg-rows", 20_000);
    private static final int PGBENCH_SECONDS = Integer.getInteger("bench.pgbench-seconds", 15);
    private static final int INTROSPECT_LATENCY_MS = Integer.getInteger("bench.introspect-latency-ms", 100);
    private static final String TOPIC = "finch.connection-events";
    private static final String HOLDER = "bench-hold";
    private static final double INSERT_TARGET = 0.50;

    public static void main(String[] args) throws Exception {
        int exit;
        try {
            exit = new WebhookBurstBenchmark().run() ? 0 : 1;
        } catch (Exception | Error e) {
            e.printStackTrace();
            exit = 2;
        }
        // The broker's process, the simulator and the clients would keep exec:java waiting.
        System.exit(exit);
    }

    private boolean run() throws Exception {
        TestStack stack = TestStack.get();
        Map<String, String> config = stack.config();
        String kafka = config.get("kafka.bootstrap.servers");
        EventRecorder.createTopic(kafka, TOPIC, 12);
        Vertx vertx = Vertx.vertx();
        LoadAverage load = new LoadAverage();
        load.start();
        DeployedMemory deployed = DeployedMemory.read();
        log("service JVM options from %s: %s", DeployedMemory.DEPLOYMENT, String.join(" ", deployed.jvmOptions()));
        try (ServiceProcess service = ServiceProcess.start(ServiceProcess.environmentFor(stack), "bench-webhooks",
                deployed.jvmOptions()).awaitReady();
             ServiceMemory memory = new ServiceMemory(service.pid(), service.managementUrl("/q/metrics"))) {
            // After start-up: the service's migrations created the schema.
            long setup = System.nanoTime();
            List<String> connections = KnownConnections.create(vertx, stack, CONNECTIONS);
            Map<String, String> statusAtFinch = new LinkedHashMap<>();
            for (int i = 0; i < connections.size(); i++) {
                int share = i % 10;
                statusAtFinch.put(connections.get(i), share < 4 ? "reauth" : share == 4 ? "disconnected" : "connected");
            }
            Map<String, String> changed = new LinkedHashMap<>(statusAtFinch);
            changed.values().removeIf("connected"::equals);
            KnownConnections.setStatusesAtFinch(vertx, stack, changed);
            log("%d connections known to the simulator and the database, %d changed at Finch without a webhook, in %.1f s",
                    connections.size(), changed.size(), seconds(System.nanoTime() - setup));
            Thread.sleep(5_000);
            Snapshot idle = memory.now();
            log("idle: RSS %d MiB, heap used %d MiB of %d MiB", idle.rssMib(), idle.heapUsedMib(), idle.heapMaxMib());

            PlainLimits.Inserts inserts = PlainLimits.postgresInserts(config, DB_POOL, PG_ROWS);
            log("plain PostgreSQL: %.0f single-row inbox-shaped insert transactions/s over %d connections, %.3f ms PostgreSQL CPU each",
                    inserts.perSecond(), DB_POOL, inserts.postgresCpuMillisPerRow());
            PlainLimits.Pgbench pgbench = PlainLimits.pgbench(config, DB_POOL, PGBENCH_SECONDS);
            if (pgbench != null) {
                log("pgbench: %.0f tps, %.3f ms PostgreSQL CPU and %.3f ms pgbench CPU per transaction", pgbench.tps(),
                        pgbench.postgresCpuMillis(), pgbench.clientCpuMillis());
            }

            hold(config, connections);
            setIntrospectLatency(stack);
            Finch.everyRequest().resetRequests();
            Burst burst = burst(stack, service, memory, vertx, connections, statusAtFinch, config, kafka);
            double producerLimit = PlainLimits.kafkaProducer(kafka, "bench.plain-producer", 20_000,
                    (int) Math.max(200, Math.round(burst.events.meanValueBytes())));
            log("plain Kafka producer: %.0f records/s", producerLimit);
            load.stop();

            Report report = new Report(burst, inserts, pgbench, producerLimit, idle, deployed, load.describe());
            report.print();
            report.write();
            InboxAccounting accounting = burst.accounting;
            return burst.events.clean() && accounting.originalsAcceptedTwice == 0 && accounting.originalsNeverAccepted == 0
                    && burst.pendingAfter == 0;
        } finally {
            vertx.close();
        }
    }

    record Burst(WebhookBurst.Result result, InboxAccounting accounting, EventCheck events, long storedRows,
                 long pendingBefore, long pendingAfter, Map<String, Long> inboxOutcomes, long introspections,
                 long releasedAtMillis, long inboxDoneMillis, long lastEventMillis, double intakeServiceCpu,
                 double intakePostgresCpu, double processingServiceCpu, double processingPostgresCpu, Snapshot peak,
                 Snapshot after) {

        long accepted() {
            return accounting.originalsAcceptedOnce;
        }

        /** Originals answered {@code accepted}, per second. */
        double acceptedPerSecond() {
            return accepted() / seconds(result.elapsedNanos());
        }

        /** Deliveries answered 200 ({@code accepted} or {@code duplicate}: the same one statement each), per second. */
        double answeredPerSecond() {
            return result.acceptedPerSecond();
        }

        double processedPerSecond() {
            return pendingBefore / (inboxDoneMillis / 1e3);
        }
    }

    private Burst burst(TestStack stack, ServiceProcess service, ServiceMemory memory, Vertx vertx, List<String> connections,
                        Map<String, String> statusAtFinch, Map<String, String> config, String kafka) throws Exception {
        try (EventRecorder recorder = new EventRecorder(kafka, TOPIC)) {
            memory.startSampling();
            ActiveQueries profile = Boolean.getBoolean("bench.sample-queries") ? new ActiveQueries(stack.config()) : null;
            long postmaster = ProcessCpu.embeddedPostgres();
            double serviceCpu = ProcessCpu.seconds(service.pid());
            double postgresCpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) : 0;
            BurstPlan plan = new BurstPlan(connections, WEBHOOKS, config.get("finch.webhook-secrets"));
            log("intake: %d webhooks to %d connections, %d in flight, processing held", WEBHOOKS, connections.size(), IN_FLIGHT);
            WebhookBurst.Result result = new WebhookBurst(vertx, service.port, IN_FLIGHT).send(plan);
            double intakeServiceCpu = ProcessCpu.seconds(service.pid()) - serviceCpu;
            double intakePostgresCpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) - postgresCpu : 0;
            if (profile != null) {
                profile.close();
            }
            InboxAccounting accounting = InboxAccounting.of(plan.originals(), result.deliveries(), statusAtFinch);
            log("answered in %.1f s: %s; originals accepted once %d, twice %d, never %d", seconds(result.elapsedNanos()),
                    accounting.answers, accounting.originalsAcceptedOnce, accounting.originalsAcceptedTwice,
                    accounting.originalsNeverAccepted);
            long[] stored = inboxCounts(config);
            log("inbox: %d webhook rows stored, %d pending; owed events %d", stored[0], stored[1], accounting.owed.size());

            // Processing: the backlog is released at once; timed until nothing is pending and every owed event is on Kafka.
            serviceCpu = ProcessCpu.seconds(service.pid());
            postgresCpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) : 0;
            long released = release(config);
            log("processing: %d leases released, introspection latency %d ms", released, INTROSPECT_LATENCY_MS);
            long releasedAt = System.currentTimeMillis();
            long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            long inboxDone = -1;
            EventCheck events = accounting.check(recorder.snapshot());
            long lastLog = 0;
            while ((inboxDone < 0 || events.missing() > 0) && System.nanoTime() < deadline) {
                Thread.sleep(250);
                if (inboxDone < 0) {
                    long pending = inboxCounts(config)[1];
                    if (pending == 0) {
                        inboxDone = System.currentTimeMillis() - releasedAt;
                    } else if (System.currentTimeMillis() - lastLog > 10_000) {
                        lastLog = System.currentTimeMillis();
                        log("  %.0f s: %d pending", (lastLog - releasedAt) / 1e3, pending);
                    }
                }
                events = accounting.check(recorder.snapshot());
            }
            long lastEvent = events.lastAppendedAtMillis() - releasedAt;
            log("inbox empty %.1f s after the release; last owed event on Kafka after %.1f s (%d missing)",
                    inboxDone / 1e3, lastEvent / 1e3, events.missing());
            // Follow-ups (the reauthentication sessions) come later; wait until the topic is quiet.
            int seen = -1;
            long quietUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen != recorder.snapshot().size() && System.nanoTime() < quietUntil) {
                seen = recorder.snapshot().size();
                Thread.sleep(3_000);
            }
            double processingServiceCpu = ProcessCpu.seconds(service.pid()) - serviceCpu;
            double processingPostgresCpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) - postgresCpu : 0;
            Snapshot peak = memory.peak();
            events = accounting.check(recorder.snapshot());
            long introspections = Finch.everyRequest().requests("introspect");
            return new Burst(result, accounting, events, stored[0], stored[1], inboxCounts(config)[1], inboxOutcomes(config),
                    introspections, releasedAt, inboxDone, lastEvent, intakeServiceCpu, intakePostgresCpu,
                    processingServiceCpu, processingPostgresCpu, peak, memory.now());
        }
    }

    /** Leases every connection's inbox work to a holder that is not an instance: the processor leaves it waiting. */
    private static void hold(Map<String, String> config, List<String> connections) throws Exception {
        try (Connection db = jdbc(config); PreparedStatement statement = db.prepareStatement("""
                INSERT INTO inbox_leases (connection_id, owner, leased_until)
                SELECT unnest(?::varchar[]), ?, now() + interval '1 hour'""")) {
            statement.setArray(1, db.createArrayOf("varchar", connections.toArray()));
            statement.setString(2, HOLDER);
            statement.executeUpdate();
        }
    }

    private static long release(Map<String, String> config) throws Exception {
        try (Connection db = jdbc(config); PreparedStatement statement = db.prepareStatement(
                "DELETE FROM inbox_leases WHERE owner = ?")) {
            statement.setString(1, HOLDER);
            return statement.executeUpdate();
        }
    }

    /** The burst's inbox rows (channel http): stored, and pending. */
    private static long[] inboxCounts(Map<String, String> config) throws Exception {
        try (Connection db = jdbc(config); PreparedStatement statement = db.prepareStatement(
                "SELECT count(*), count(*) FILTER (WHERE state = 'pending') FROM incoming_events WHERE channel = 'http'");
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return new long[] { rows.getLong(1), rows.getLong(2) };
        }
    }

    private static Map<String, Long> inboxOutcomes(Map<String, String> config) throws Exception {
        Map<String, Long> outcomes = new TreeMap<>();
        try (Connection db = jdbc(config); PreparedStatement statement = db.prepareStatement(
                "SELECT state || ' ' || outcome, count(*) FROM incoming_events WHERE channel = 'http' GROUP BY 1");
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                outcomes.put(rows.getString(1), rows.getLong(2));
            }
        }
        return outcomes;
    }

    private static Connection jdbc(Map<String, String> config) throws Exception {
        return DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"), config.get("quarkus.datasource.username"),
                config.get("quarkus.datasource.password"));
    }

    private static void setIntrospectLatency(TestStack stack) throws Exception {
        Finch.everyRequest().fault("introspect", Map.of("latency_ms", INTROSPECT_LATENCY_MS));
    }

    /** The figures, the ratios and the targets, printed and written to the two results files. */
    private record Report(Burst burst, PlainLimits.Inserts inserts, PlainLimits.Pgbench pgbench, double producerLimit,
                          Snapshot idle, DeployedMemory deployed, String load) {

        /** Deliveries stored or de-duplicated by intake per second against plain inserts per second. */
        double acceptedRatio() {
            return burst.answeredPerSecond() / inserts.perSecond();
        }

        double pgbenchRatio() {
            return pgbench == null ? Double.NaN : burst.answeredPerSecond() / pgbench.tps();
        }

        double intakeServiceMs() {
            return burst.intakeServiceCpu * 1e3 / burst.result.deliveries().size();
        }

        double intakePostgresMs() {
            return burst.intakePostgresCpu * 1e3 / burst.result.deliveries().size();
        }

        /**
         * The ratio from CPU time instead of elapsed time: PostgreSQL per plain insert against service and
         * PostgreSQL per webhook; barely moved when other work on the machine slows the run.
         */
        double cpuRatio() {
            double perWebhook = intakeServiceMs() + intakePostgresMs();
            return perWebhook == 0 ? 0 : inserts.postgresCpuMillisPerRow() / perWebhook;
        }

        double processingServiceMs() {
            return burst.processingServiceCpu * 1e3 / burst.pendingBefore;
        }

        double processingPostgresMs() {
            return burst.processingPostgresCpu * 1e3 / burst.pendingBefore;
        }

        long appendedPercentile(double p) {
            List<Long> sorted = burst.events.appendedAtMillis();
            return sorted.isEmpty() ? -1
                    : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1)) - burst.releasedAtMillis;
        }

        /**
         * Heap and container limit from this run: a heap of twice the peak heap in use (at least 128 MiB), and a
         * limit of what is not heap at the peak (RSS less committed heap) plus that heap, with 15% to spare.
         */
        String sizing() {
            long heap = Math.max(128, roundUp(2 * burst.peak.heapUsedMib(), 32));
            long outsideHeap = burst.peak.rssMib() - burst.peak.heapCommittedMib();
            long limit = roundUp(Math.round((outsideHeap + heap) * 1.15), 64);
            return ("heap %d MiB (2 x %d MiB peak heap used), container limit %d Mi ((%d MiB outside the heap at the "
                    + "peak + %d MiB heap) x 1.15, rounded up to 64 Mi), so -XX:MaxRAMPercentage=%.1f")
                    .formatted(heap, burst.peak.heapUsedMib(), limit, outsideHeap, heap, 100.0 * heap / limit);
        }

        private static long roundUp(long value, long step) {
            return (value + step - 1) / step * step;
        }

        void print() {
            log("accepted/s / plain inserts/s = %.0f / %.0f = %.2f (target >= %.2f: %s); against pgbench %.2f",
                    burst.answeredPerSecond(), inserts.perSecond(), acceptedRatio(), INSERT_TARGET,
                    acceptedRatio() >= INSERT_TARGET ? "met" : "MISSED", pgbenchRatio());
            log("intake CPU per webhook delivery: service %.3f ms, PostgreSQL %.3f ms; PostgreSQL per plain insert %.3f ms; CPU ratio %.2f",
                    intakeServiceMs(), intakePostgresMs(), inserts.postgresCpuMillisPerRow(), cpuRatio());
            log("processing: %d events in %.1f s = %.0f events/s; last owed event on Kafka %.1f s after the release; "
                    + "CPU per event service %.3f ms, PostgreSQL %.3f ms; introspections %d for %d connections",
                    burst.pendingBefore, burst.inboxDoneMillis / 1e3, burst.processedPerSecond(), burst.lastEventMillis / 1e3,
                    processingServiceMs(), processingPostgresMs(), burst.introspections, CONNECTIONS);
            EventCheck events = burst.events;
            log("owed %d, missing %d, extra %d, unexpected %d, follow-ups %d (extra %d), same ce_id twice %d; inbox after: %s",
                    events.owed(), events.missing(), events.extraForOneConnection(), events.unexpected(), events.followUps(),
                    events.extraFollowUps(), events.redeliveries(), burst.inboxOutcomes);
            log("memory: idle RSS %d MiB, peak RSS %d MiB, peak heap used %d MiB (committed %d MiB) of %d MiB", idle.rssMib(),
                    burst.peak.rssMib(), burst.peak.heapUsedMib(), burst.peak.heapCommittedMib(), burst.peak.heapMaxMib());
            log("derived: %s", sizing());
        }

        void write() throws Exception {
            String run = "Run: %s. Machine: %s. During the run: %s."
                    .formatted(OffsetDateTime.now().withNano(0), Machine.describe(), load);
            String service = "the production jar with `%s` (the Deployment's %d Mi limit and heap share, deploy/base/deployment.yaml)"
                    .formatted(String.join(" ", deployed.jvmOptions()), deployed.limitMib());
            EventCheck events = burst.events;
            InboxAccounting accounting = burst.accounting;
            String pgbenchRow = pgbench == null ? "| pgbench, same insert | not installed |"
                    : "| pgbench, same insert (`%s`, %d s) | %.0f tps; per transaction %.3f ms PostgreSQL CPU, %.3f ms pgbench CPU |"
                            .formatted(pgbench.command(), PGBENCH_SECONDS, pgbench.tps(), pgbench.postgresCpuMillis(),
                                    pgbench.clientCpuMillis());
            Path results = Path.of("src", "bench", "results");
            Files.createDirectories(results);
            Files.writeString(results.resolve("webhook-burst.md"), """
                    # Webhook burst: inbox intake and processing

                    Command: `./mvnw -Pbench-webhooks` (options: `-Dbench.webhooks` default 100000, `-Dbench.connections`
                    default 4000, `-Dbench.in-flight` default 64, `-Dbench.pg-rows` default 20000, `-Dbench.pgbench-seconds`
                    default 15, `-Dbench.introspect-latency-ms` default 100). Produced by
                    `io.finchconnect.bench.WebhookBurstBenchmark`: embedded PostgreSQL, a KRaft broker, the Finch simulator
                    and %s, all on this machine.

                    %s

                    ## Intake (processing held: the benchmark holds every connection's inbox lease)

                    | figure | value |
                    |---|---|
                    | webhooks sent (signed `account.updated`, 1 in 10 an exact re-delivery), connections, in flight | %d, %d, %d |
                    | answers | %s |
                    | originals accepted exactly once / twice / never; re-deliveries answered `duplicate` | %d / %d / %d; %d |
                    | webhook rows in the inbox | %d (%d pending) |
                    | elapsed | %.1f s |
                    | **webhooks answered 200/s** (`accepted` or `duplicate`, one INSERT ... ON CONFLICT each) | **%.0f** |
                    | of which originals answered `accepted`, per second | %.0f |
                    | plain PostgreSQL: single-row inbox-shaped insert transactions, %d connections (the service's pool), Vert.x client | %.0f rows/s; %.3f ms PostgreSQL CPU each |
                    %s
                    | **answered/s / plain inserts/s** (target >= %.2f) | **%.2f** (%s) |
                    | answered/s / pgbench tps | %.2f |
                    | CPU per webhook delivery: service / PostgreSQL | %.3f ms / %.3f ms |
                    | the ratio from CPU time: PostgreSQL per plain insert / (service + PostgreSQL) per webhook | %.2f |

                    ## Processing the backlog (introspection latency %d ms at the simulator)

                    | figure | value |
                    |---|---|
                    | events pending when released | %d |
                    | introspections at the simulator (connections with events: %d) | %d |
                    | **time until no event was pending** | **%.1f s** |
                    | **events/s** | **%.0f** |
                    | **time until the last owed event was on Kafka** (broker append time, from the release) | **%.1f s** |
                    | owed events on Kafka, p50 / p99 after the release | %d ms / %d ms |
                    | CPU per event: service / PostgreSQL (follow-ups included) | %.3f ms / %.3f ms |
                    | inbox rows after (state, outcome) | %s |
                    | events owed (one per connection in `reauth` or `disconnected` at Finch) | %d |
                    | **missing / extra for one connection / for a connection that owed none / same `ce_id` twice** | **%d / %d / %d / %d** |
                    | follow-up `reauth_needed` with the reauthentication session / extra | %d / %d |
                    | plain Kafka producer, same broker, relay's settings, %.0f-byte values | %.0f records/s |

                    Counting is end to end: the benchmark's answers from the service, the inbox rows in PostgreSQL, and a
                    consumer of the topic from its start. A webhook is only a hint under the inbox model, so what is owed
                    follows from each connection's status at Finch (set without a webhook before the burst), not from the
                    statuses in the bodies: exactly one `reauth_needed` per connection in `reauth`, one `disconnected` per
                    connection `disconnected`, nothing for one still `connected`. The intake is timed with processing
                    held (the benchmark's own lease rows on every connection, which the processor respects), so accepted/s
                    is what intake alone sustains and the processing phase starts from the full backlog at once.
                    """.formatted(service, run, WEBHOOKS, CONNECTIONS, IN_FLIGHT, accounting.answers,
                    accounting.originalsAcceptedOnce, accounting.originalsAcceptedTwice, accounting.originalsNeverAccepted,
                    accounting.duplicateAnswers, burst.storedRows, burst.pendingBefore, seconds(burst.result.elapsedNanos()),
                    burst.answeredPerSecond(), burst.acceptedPerSecond(), DB_POOL, inserts.perSecond(), inserts.postgresCpuMillisPerRow(), pgbenchRow,
                    INSERT_TARGET, acceptedRatio(), acceptedRatio() >= INSERT_TARGET ? "met" : "missed", pgbenchRatio(),
                    intakeServiceMs(), intakePostgresMs(), cpuRatio(), INTROSPECT_LATENCY_MS, burst.pendingBefore,
                    CONNECTIONS, burst.introspections, burst.inboxDoneMillis / 1e3, burst.processedPerSecond(),
                    burst.lastEventMillis / 1e3, appendedPercentile(0.50), appendedPercentile(0.99), processingServiceMs(),
                    processingPostgresMs(), burst.inboxOutcomes, events.owed(), events.missing(), events.extraForOneConnection(),
                    events.unexpected(), events.redeliveries(), events.followUps(), events.extraFollowUps(),
                    events.meanValueBytes(), producerLimit));
            Files.writeString(results.resolve("memory.md"), """
                    # Service memory

                    Command: `./mvnw -Pbench-webhooks` (the same run as `webhook-burst.md`). The service is %s.
                    RSS is `VmRSS` of `/proc/<pid>/status`, sampled every 100 ms; heap is `jvm_memory_used_bytes` and
                    `jvm_memory_committed_bytes` (area heap) at `/q/metrics`, sampled every second.

                    %s

                    | figure | RSS | heap used | heap committed | heap max |
                    |---|---|---|---|---|
                    | idle (ready, connections stored, 5 s later, before the burst) | %d MiB | %d MiB | %d MiB | %d MiB |
                    | peak during the burst (%d webhooks, %d in flight) and its processing | %d MiB | %d MiB | %d MiB | %d MiB |
                    | after the burst | %d MiB | %d MiB | %d MiB | %d MiB |

                    Peak RSS is %.0f%% of the container's %d Mi limit. This run's derivation (deploy/README.md, "Resources"): %s.
                    """.formatted(service, run, idle.rssMib(), idle.heapUsedMib(), idle.heapCommittedMib(), idle.heapMaxMib(),
                    WEBHOOKS, IN_FLIGHT, burst.peak.rssMib(), burst.peak.heapUsedMib(), burst.peak.heapCommittedMib(),
                    burst.peak.heapMaxMib(), burst.after.rssMib(), burst.after.heapUsedMib(), burst.after.heapCommittedMib(),
                    burst.after.heapMaxMib(), 100.0 * burst.peak.rssMib() / deployed.limitMib(), deployed.limitMib(), sizing()));
            log("results written to %s", results);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[webhook-bench] " + format + "%n", args);
    }
}
