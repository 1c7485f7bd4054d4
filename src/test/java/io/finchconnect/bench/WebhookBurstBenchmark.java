package io.finchconnect.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import io.finchconnect.bench.BurstAccounting.EventCheck;
import io.finchconnect.bench.ServiceMemory.Snapshot;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;
import io.vertx.core.Vertx;

/**
 * Webhook burst and memory benchmarks (docs/benchmarks.md). On one machine: embedded PostgreSQL, a KRaft
 * broker, the Finch simulator and the production jar with the Deployment's heap. Connections known to both the
 * simulator and the database receive a burst of signed {@code account.updated} webhooks (mixed statuses, late
 * deliveries, a tenth exact re-deliveries) with a fixed number in flight. Reports accepted/s, the time until the
 * last owed event is on Kafka, webhook-to-broker-ack latency, and holds every event against the service's
 * answers: none missing, none extra. In the same run, the plain limits of the same PostgreSQL (single-row
 * outbox inserts) and broker (a plain producer), and the service's resident memory idle and at the peak.
 * Writes {@code src/bench/results/webhook-burst.md} and {@code memory.md}; exits non-zero when an event is
 * missing or extra.
 */
public final class WebhookBurstBenchmark {

    private static final int WEBHOOKS = Integer.getInteger("bench.webhooks", 100_000);
    private static final int CONNECTIONS = Integer.getInteger("bench.connections", 4_000);
    private static final int IN_FLIGHT = Integer.getInteger("bench.in-flight", 64);
    /** The service's reactive pool (DB_POOL_MAX_SIZE in deploy/base/config.env and its default). */
    private static final int DB_POOL = Integer.getInteger("bench.db-pool", 20);
    private static final int PG_ROWS = Integer.getInteger("bench.pg-rows", 20_000);
    private static final String TOPIC = "finch.connection-events";
    private static final double INSERT_TARGET = 0.30;

    public static void main(String[] args) throws Exception {
        if (CONNECTIONS < 4 * IN_FLIGHT) {
            throw new IllegalArgumentException("bench.connections must be at least 4 x bench.in-flight, so that a "
                    + "connection's webhooks are never in flight together");
        }
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
        DeployedMemory deployed = DeployedMemory.read();
        log("service JVM options from %s: %s", DeployedMemory.DEPLOYMENT, String.join(" ", deployed.jvmOptions()));
        try (ServiceProcess service = ServiceProcess.start(ServiceProcess.environmentFor(stack), "bench-webhooks",
                deployed.jvmOptions()).awaitReady();
             ServiceMemory memory = new ServiceMemory(service.pid(), service.managementUrl("/q/metrics"))) {
            // After start-up: the service's migrations created the schema.
            long setup = System.nanoTime();
            List<String> connections = KnownConnections.create(vertx, stack, CONNECTIONS);
            log("%d connections known to the simulator and the database in %.1f s", connections.size(),
                    seconds(System.nanoTime() - setup));
            Thread.sleep(5_000);
            Snapshot idle = memory.now();
            log("idle: RSS %d MiB, heap used %d MiB of %d MiB", idle.rssMib(), idle.heapUsedMib(), idle.heapMaxMib());

            PlainLimits.Inserts inserts = PlainLimits.postgresInserts(config, DB_POOL, PG_ROWS, samplePayload());
            log("plain PostgreSQL: %.0f single-row outbox inserts/s over %d connections, %.3f ms PostgreSQL CPU each",
                    inserts.perSecond(), DB_POOL, inserts.postgresCpuMillisPerRow());

            Burst burst = burst(stack, service, memory, vertx, connections, config.get("finch.webhook-secrets"), kafka);
            double producerLimit = PlainLimits.kafkaProducer(kafka, "bench.plain-producer",
                    Math.max(20_000, burst.accounting.owed.size()), (int) Math.round(burst.events.meanValueBytes()));
            log("plain Kafka producer: %.0f records/s", producerLimit);

            Report report = new Report(burst, inserts, producerLimit, idle, deployed);
            report.print();
            report.write();
            return burst.events.clean() && burst.accounting.originalsAnsweredTwice == 0
                    && burst.accounting.originalsUnanswered == 0 && burst.accounting.answersAgainstTheRule == 0;
        } finally {
            vertx.close();
        }
    }

    record Burst(WebhookBurst.Result result, BurstAccounting accounting, EventCheck events, long lastEventMillis,
                 Snapshot peak, Snapshot after, double serviceCpuSeconds, double postgresCpuSeconds, String loadBefore) {

        double serviceCpuMillisPerWebhook() {
            return serviceCpuSeconds * 1e3 / result.accepted();
        }

        double postgresCpuMillisPerWebhook() {
            return postgresCpuSeconds * 1e3 / result.accepted();
        }
    }

    private Burst burst(TestStack stack, ServiceProcess service, ServiceMemory memory, Vertx vertx, List<String> connections,
                        String secret, String kafka) throws Exception {
        try (EventRecorder recorder = new EventRecorder(kafka, TOPIC)) {
            String loadBefore = loadAverage();
            memory.startSampling();
            ActiveQueries profile = Boolean.getBoolean("bench.sample-queries") ? new ActiveQueries(stack.config()) : null;
            long postmaster = ProcessCpu.embeddedPostgres();
            double serviceCpu = ProcessCpu.seconds(service.pid());
            double postgresCpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) : 0;
            BurstPlan plan = new BurstPlan(connections, WEBHOOKS, secret);
            log("sending %d webhooks to %d connections, %d in flight", WEBHOOKS, connections.size(), IN_FLIGHT);
            WebhookBurst.Result result = new WebhookBurst(vertx, service.port, IN_FLIGHT).send(plan);
            log("%d of %d accepted in %.1f s: %.0f accepted/s", result.accepted(), WEBHOOKS, seconds(result.elapsedNanos()),
                    result.acceptedPerSecond());
            BurstAccounting accounting = BurstAccounting.of(plan.originals(), result.deliveries());
            log("answers to originals %s, duplicate answers %d; owed events %d", accounting.outcomes,
                    accounting.duplicateAnswers, accounting.owed.size());

            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            EventCheck events = accounting.check(recorder.snapshot());
            while (events.missing() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                events = accounting.check(recorder.snapshot());
            }
            long lastEvent = events.lastAppendedAtMillis() - result.firstSentAtMillis();
            log("last owed event on Kafka %.1f s after the first send (%d missing)", lastEvent / 1e3, events.missing());
            // The sweeper's follow-up events (reauthentication sessions) come later; wait until the topic is quiet.
            int seen = -1;
            long quietUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen != recorder.snapshot().size() && System.nanoTime() < quietUntil) {
                seen = recorder.snapshot().size();
                Thread.sleep(3_000);
            }
            if (profile != null) {
                profile.close();
            }
            serviceCpu = ProcessCpu.seconds(service.pid()) - serviceCpu;
            postgresCpu = postmaster > 0 ? ProcessCpu.withChildren(postmaster) - postgresCpu : 0;
            Snapshot peak = memory.peak();
            events = accounting.check(recorder.snapshot());
            return new Burst(result, accounting, events, lastEvent, peak, memory.now(), serviceCpu, postgresCpu, loadBefore);
        }
    }

    /** The figures, the ratios and the targets, printed and written to the two results files. */
    private record Report(Burst burst, PlainLimits.Inserts inserts, double producerLimit, Snapshot idle,
                          DeployedMemory deployed) {

        double acceptedRatio() {
            return burst.result.acceptedPerSecond() / inserts.perSecond();
        }

        /**
         * The same ratio from CPU time instead of elapsed time: what the service and PostgreSQL spend per webhook
         * against what PostgreSQL spends per plain insert. Where the two share the cores, as here, it is what the
         * elapsed ratio tends to on a quiet machine; it barely moves when other work slows the run.
         */
        double cpuRatio() {
            double perWebhook = burst.serviceCpuMillisPerWebhook() + burst.postgresCpuMillisPerWebhook();
            return perWebhook == 0 ? 0 : inserts.postgresCpuMillisPerRow() / perWebhook;
        }

        double eventRate() {
            return burst.accounting.owed.size() / (burst.lastEventMillis / 1e3);
        }

        long percentile(double p) {
            List<Long> sorted = burst.events.latenciesMillis();
            return sorted.isEmpty() ? -1 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
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
            log("accepted/s / PostgreSQL inserts/s = %.0f / %.0f = %.2f (target >= %.2f: %s)", burst.result.acceptedPerSecond(),
                    inserts.perSecond(), acceptedRatio(), INSERT_TARGET, acceptedRatio() >= INSERT_TARGET ? "met" : "MISSED");
            log("CPU per webhook: service %.3f ms, PostgreSQL %.3f ms; PostgreSQL per plain insert %.3f ms; CPU ratio %.2f",
                    burst.serviceCpuMillisPerWebhook(), burst.postgresCpuMillisPerWebhook(), inserts.postgresCpuMillisPerRow(), cpuRatio());
            log("event rate / plain producer = %.0f / %.0f = %.2f", eventRate(), producerLimit, eventRate() / producerLimit);
            log("webhook-to-ack latency p50 %d ms, p99 %d ms over %d events", percentile(0.50), percentile(0.99),
                    burst.events.latenciesMillis().size());
            log("missing %d, extra for one webhook %d, unexpected %d, follow-ups %d (extra %d), relay redeliveries %d, "
                    + "answers against the ordering rule %d, originals answered twice %d, unanswered %d, failed deliveries %d",
                    burst.events.missing(), burst.events.extraForOneWebhook(), burst.events.unexpected(), burst.events.followUps(),
                    burst.events.extraFollowUps(), burst.events.redeliveries(), burst.accounting.answersAgainstTheRule,
                    burst.accounting.originalsAnsweredTwice, burst.accounting.originalsUnanswered, burst.accounting.failedDeliveries);
            log("memory: idle RSS %d MiB, peak RSS %d MiB, peak heap used %d MiB (committed %d MiB) of %d MiB", idle.rssMib(),
                    burst.peak.rssMib(), burst.peak.heapUsedMib(), burst.peak.heapCommittedMib(), burst.peak.heapMaxMib());
            log("derived: %s", sizing());
        }

        void write() throws Exception {
            String run = "Run: %s. Machine: %s; load average (1, 5, 15 min) before the burst: %s."
                    .formatted(OffsetDateTime.now().withNano(0), Machine.describe(), burst.loadBefore);
            String service = "the production jar with `%s` (the Deployment's %d Mi limit and heap share, deploy/base/deployment.yaml)"
                    .formatted(String.join(" ", deployed.jvmOptions()), deployed.limitMib());
            EventCheck events = burst.events;
            BurstAccounting accounting = burst.accounting;
            Path results = Path.of("src", "bench", "results");
            Files.createDirectories(results);
            Files.writeString(results.resolve("webhook-burst.md"), """
                    # Webhook burst to Kafka

                    Command: `./mvnw -Pbench-webhooks` (options: `-Dbench.webhooks` default 100000, `-Dbench.connections`
                    default 4000, `-Dbench.in-flight` default 64, `-Dbench.pg-rows` default 20000). Produced by
                    `io.finchconnect.bench.WebhookBurstBenchmark`: embedded PostgreSQL, a KRaft broker, the Finch simulator
                    and %s, all on this machine.

                    %s

                    | figure | value |
                    |---|---|
                    | webhooks sent (signed `account.updated`, 1 in 10 an exact re-delivery), connections, in flight | %d, %d, %d |
                    | accepted (200) | %d in %.1f s |
                    | **accepted/s** | **%.0f** |
                    | plain PostgreSQL limit: single-row outbox-shaped inserts, %d connections (the service's pool) | %.0f rows/s |
                    | **accepted/s / PostgreSQL inserts/s** (target >= %.2f) | **%.2f** (%s) |
                    | CPU per accepted webhook: service / PostgreSQL (all of the burst's work, follow-ups included) | %.3f ms / %.3f ms |
                    | PostgreSQL CPU per plain insert | %.3f ms |
                    | the same ratio from CPU time: PostgreSQL per plain insert / (service + PostgreSQL) per webhook | %.2f |
                    | answers to the originals | %s |
                    | answers `duplicate` (re-deliveries, including ones that arrived while the original was in flight) | %d |
                    | events owed (applied transitions to reauth, to disconnected, reauth to connected) | %d |
                    | time from the first send until the last owed event was on Kafka | %.1f s |
                    | of which after the last webhook was answered | %.1f s |
                    | event rate (owed events / that time) | %.0f events/s |
                    | plain Kafka producer, same broker, relay's settings, %.0f-byte values | %.0f records/s |
                    | **event rate / plain producer** | **%.2f** |
                    | **webhook sent to broker append (LogAppendTime), p50 / p99** | **%d ms / %d ms** (%d events) |
                    | events missing / extra for one webhook / without an owing webhook | %d / %d / %d |
                    | follow-up `reauth_needed` with the reauthentication session (sweeper) / extra ones | %d / %d |
                    | relay redeliveries (same `ce_id` twice) | %d |
                    | answers against Finch's ordering rule / originals answered twice / unanswered / failed deliveries | %d / %d / %d / %d |

                    Nothing lost: every webhook answered `applied` whose transition publishes has exactly one event,
                    matched by connection, type and the Finch time the event carries; re-deliveries produced no event.
                    Each connection in `reauth` also gets one follow-up event once the sweeper created its session at
                    the simulator, which knows every connection (the sweeper's Finch calls are part of the load).
                    """.formatted(service, run, WEBHOOKS, CONNECTIONS, IN_FLIGHT, burst.result.accepted(),
                    seconds(burst.result.elapsedNanos()), burst.result.acceptedPerSecond(), DB_POOL, inserts.perSecond(),
                    INSERT_TARGET, acceptedRatio(), acceptedRatio() >= INSERT_TARGET ? "met" : "missed",
                    burst.serviceCpuMillisPerWebhook(), burst.postgresCpuMillisPerWebhook(), inserts.postgresCpuMillisPerRow(),
                    cpuRatio(), accounting.outcomes,
                    accounting.duplicateAnswers, accounting.owed.size(), burst.lastEventMillis / 1e3,
                    Math.max(0, burst.lastEventMillis / 1e3 - seconds(burst.result.elapsedNanos())), eventRate(),
                    events.meanValueBytes(), producerLimit, eventRate() / producerLimit, percentile(0.50), percentile(0.99),
                    events.latenciesMillis().size(), events.missing(), events.extraForOneWebhook(), events.unexpected(),
                    events.followUps(), events.extraFollowUps(), events.redeliveries(), accounting.answersAgainstTheRule,
                    accounting.originalsAnsweredTwice, accounting.originalsUnanswered, accounting.failedDeliveries));
            Files.writeString(results.resolve("memory.md"), """
                    # Service memory

                    Command: `./mvnw -Pbench-webhooks` (the same run as `webhook-burst.md`). The service is %s.
                    RSS is `VmRSS` of `/proc/<pid>/status`, sampled every 100 ms; heap is `jvm_memory_used_bytes` and
                    `jvm_memory_committed_bytes` (area heap) at `/q/metrics`, sampled every second.

                    %s

                    | figure | RSS | heap used | heap committed | heap max |
                    |---|---|---|---|---|
                    | idle (ready, connections stored, 5 s later, before the burst) | %d MiB | %d MiB | %d MiB | %d MiB |
                    | peak during the burst (%d webhooks, %d in flight) and its events | %d MiB | %d MiB | %d MiB | %d MiB |
                    | after the burst | %d MiB | %d MiB | %d MiB | %d MiB |

                    Peak RSS is %.0f%% of the container's %d Mi limit. This run's derivation (deploy/README.md, "Resources"): %s.
                    """.formatted(service, run, idle.rssMib(), idle.heapUsedMib(), idle.heapCommittedMib(), idle.heapMaxMib(),
                    WEBHOOKS, IN_FLIGHT, burst.peak.rssMib(), burst.peak.heapUsedMib(), burst.peak.heapCommittedMib(),
                    burst.peak.heapMaxMib(), burst.after.rssMib(), burst.after.heapUsedMib(), burst.after.heapCommittedMib(),
                    burst.after.heapMaxMib(), 100.0 * burst.peak.rssMib() / deployed.limitMib(), deployed.limitMib(), sizing()));
            log("results written to %s", results);
        }
    }

    /** A reauth_needed event's data, the largest the burst produces: the size the plain insert limit writes. */
    private static String samplePayload() {
        return """
                {"connection_id":"c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11","customer_id":"bench-1234-1a2b3c4d5e6f",\
                "detected_at":"2026-11-29T08:20:42Z","source_event_id":"msg_2c9d2f3e4a5b4c6d8e9f0a1b2c3d4e5f"}""";
    }

    /** The machine's load average before the burst: other work on a shared machine slows every elapsed figure. */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc", "loadavg")).split(" ");
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[webhook-bench] " + format + "%n", args);
    }
}
