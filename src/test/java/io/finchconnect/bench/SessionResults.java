package io.finchconnect.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.finchconnect.testing.ServiceProcess;

/** The session benchmark's results file: parameters, machine, both tables and the verdict against the target. */
final class SessionResults {

    private final Duration latency;
    private final Duration serviceWarmup;
    private final Duration warmup;
    private final Duration measured;
    /** Service CPU per session creation at C=1000 in the run of 2026-11-29 (docs/benchmarks.md), the baseline each run is compared with. */
    static final double PREVIOUS_CPU_MS = 0.58;
    private final int targetClients;
    private final double targetRatio;
    private final Map<String, String> environment;

    SessionResults(Duration latency, Duration serviceWarmup, Duration warmup, Duration measured, int targetClients, double targetRatio,
                   Map<String, String> environment) {
        this.latency = latency;
        this.serviceWarmup = serviceWarmup;
        this.warmup = warmup;
        this.measured = measured;
        this.targetClients = targetClients;
        this.targetRatio = targetRatio;
        this.environment = environment;
    }

    void write(Path file, List<SessionBenchmark.Pass> direct, List<SessionBenchmark.Pass> service, long blockedTotal,
               long blockedAtStart, LoadAverage load) throws Exception {
        String text = """
                # Session creation benchmark

                Command: `./mvnw -Pbench-sessions` (options: `-Dbench.latency-ms` default 300, `-Dbench.clients` default
                `100,1000,2000`, `-Dbench.warmup-seconds` default 5, `-Dbench.measure-seconds` default 20,
                `-Dbench.service-warmup-seconds` default 20, `-Dbench.env.NAME=value` sets a service variable). Produced by
                `io.finchconnect.bench.SessionBenchmark`. Embedded PostgreSQL, a KRaft broker, the Finch simulator and the
                load generator run in or beside the benchmark's JVM; the service is the production jar, with the memory flags
                of deploy/base/deployment.yaml (`-XX:MaxRAM` = its memory limit), with its production configuration. All on one machine.

                Run: %s. Machine: %s. Load average when the run ended: %s; during the run:
                %s (other work shares the cores: see "other processes" below).

                Finch latency L = %d ms on `POST /connect/sessions` (a timer in the simulator). Closed loop: each of C
                clients sends its next request when the previous answer arrived, over its own keep-alive connection; a new
                customer for every request to the service, so every answer is a creation. The service first runs %d s of
                load that is not counted (its JIT compiles meanwhile); then, per C, warm-up %d s and %d s measured.
                Settings beyond the production defaults: %s.

                ## Through the service: `POST /v1/connect/sessions`

                | C | bound C/L | achieved | ratio | p50 | p99 | non-2xx, failed | max heap used | max live threads | max RSS | max waiting for a DB connection | "has been blocked" warnings |
                |---|---|---|---|---|---|---|---|---|---|---|---|
                %s

                Cores busy during the measured window (average; the machine has %d):

                | C | machine | service | service CPU per request | benchmark JVM (load generator, Finch simulator) | PostgreSQL | Kafka broker | other processes on the machine |
                |---|---|---|---|---|---|---|---|
                %s

                ## The benchmark's own limit: the same clients against the simulator directly

                | C | bound C/L | achieved | ratio | p50 | p99 | non-2xx, failed | cores busy: machine | benchmark JVM | its CPU per request | other processes |
                |---|---|---|---|---|---|---|---|---|---|---|
                %s

                ## Verdict

                %s
                """.formatted(OffsetDateTime.now().withNano(0), Machine.describe(), loadAverage(), load.describe(), latency.toMillis(), serviceWarmup.toSeconds(), warmup.toSeconds(),
                measured.toSeconds(), overrides(), serviceRows(service), Runtime.getRuntime().availableProcessors(),
                cpuRows(service), directRows(direct), verdict(direct, service, blockedTotal, blockedAtStart));
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    private String overrides() {
        Map<String, String> production = ServiceProcess.environmentFor(io.finchconnect.testing.TestStack.get());
        String extra = environment.entrySet().stream().filter(e -> !production.containsKey(e.getKey()))
                .map(e -> "`" + e.getKey() + "=" + e.getValue() + "`").collect(Collectors.joining(", "));
        return extra.isEmpty() ? "none" : extra;
    }

    private static String serviceRows(List<SessionBenchmark.Pass> passes) {
        return passes.stream().map(pass -> "| %d | %.0f/s | %.0f/s | **%.2f** | %d ms | %d ms | %d, %d | %d MiB | %d | %d MiB | %d | %d |"
                .formatted(pass.result().clients(), pass.bound(), pass.result().throughput(), pass.ratio(),
                        pass.result().percentile(50).toMillis(), pass.result().percentile(99).toMillis(),
                        pass.result().non2xx(), pass.result().failed(), pass.gauges().heapUsedBytes() >> 20,
                        pass.gauges().liveThreads(), pass.gauges().rssBytes() >> 20, pass.gauges().databaseQueue(),
                        pass.blockedWarnings()))
                .collect(Collectors.joining("\n"));
    }

    private static String cpuRows(List<SessionBenchmark.Pass> passes) {
        return passes.stream().map(pass -> "| %d | %.2f | %.2f | %.2f ms | %.2f | %.2f | %.2f | %.2f |".formatted(
                        pass.result().clients(), pass.cores().machineBusy(), pass.cores().service(),
                        pass.cpuMillisPerRequest(pass.cores().service()), pass.cores().bench(), pass.cores().postgres(),
                        pass.cores().kafka(), pass.cores().others()))
                .collect(Collectors.joining("\n"));
    }

    private static String directRows(List<SessionBenchmark.Pass> passes) {
        return passes.stream().map(pass -> "| %d | %.0f/s | %.0f/s | %.2f | %d ms | %d ms | %d, %d | %.2f | %.2f | %.2f ms | %.2f |"
                .formatted(pass.result().clients(), pass.bound(), pass.result().throughput(), pass.ratio(),
                        pass.result().percentile(50).toMillis(), pass.result().percentile(99).toMillis(),
                        pass.result().non2xx(), pass.result().failed(), pass.cores().machineBusy(), pass.cores().bench(),
                        pass.cpuMillisPerRequest(pass.cores().bench()), pass.cores().others()))
                .collect(Collectors.joining("\n"));
    }

    private String verdict(List<SessionBenchmark.Pass> direct, List<SessionBenchmark.Pass> service, long blockedTotal,
                           long blockedAtStart) {
        StringBuilder text = new StringBuilder();
        text.append("Event loop: %d \"has been blocked\" warnings in the service's log over the whole run (%d before the load; target 0): **%s**.\n\n"
                .formatted(blockedTotal, blockedAtStart, blockedTotal == 0 ? "met" : "missed"));
        SessionBenchmark.Pass target = find(service, targetClients);
        if (target == null) {
            return text.append("C=%d was not run: no verdict on the throughput target.".formatted(targetClients)).toString();
        }
        boolean met = target.ratio() >= targetRatio;
        text.append("Throughput at C=%d: %.0f/s of the bound %.0f/s, ratio **%.2f** (target >= %.2f): **%s**."
                .formatted(targetClients, target.result().throughput(), target.bound(), target.ratio(), targetRatio,
                        met ? "met" : "missed"));
        if (!met) {
            text.append(' ').append(reason(find(direct, targetClients), target));
        }
        double cpu = target.cpuMillisPerRequest(target.cores().service());
        text.append("\n\nService CPU per session creation at C=%d: **%.2f ms** (the run of 2026-11-29: %.2f ms; target at most half of it, %.2f ms): **%s**."
                .formatted(targetClients, cpu, PREVIOUS_CPU_MS, PREVIOUS_CPU_MS / 2, cpu <= PREVIOUS_CPU_MS / 2 ? "met" : "missed"));
        return text.append('\n').toString();
    }

    /** What the measurements say bounded the missed target: the cores, or the load generator itself. */
    private static String reason(SessionBenchmark.Pass generator, SessionBenchmark.Pass service) {
        int cores = Runtime.getRuntime().availableProcessors();
        CpuTime busy = service.cores();
        String where = ("During the window %.2f of the machine's %d cores were busy: the service %.2f (%.2f ms of CPU per "
                + "request), the benchmark's JVM (load generator and Finch simulator) %.2f, PostgreSQL %.2f, the Kafka "
                + "broker %.2f, other processes on the machine %.2f.")
                .formatted(busy.machineBusy(), cores, busy.service(), service.cpuMillisPerRequest(busy.service()),
                        busy.bench(), busy.postgres(), busy.kafka(), busy.others());
        double serviceCpuBound = cores * 1000 / service.cpuMillisPerRequest(busy.service());
        String bound = (" At %.2f ms of CPU per request the service alone, with every core of the machine to itself, "
                + "would answer at most %.0f requests/s (%.2f of the bound).")
                .formatted(service.cpuMillisPerRequest(busy.service()), serviceCpuBound, serviceCpuBound / service.bound());
        String saturated = busy.machineBusy() >= 0.9 * cores
                ? " The cores were saturated: the service gets no more CPU on this machine."
                : " The cores were not saturated.";
        String alone = generator == null ? "" : " The load generator and simulator alone reached a ratio of %.2f at %.0f/s."
                .formatted(generator.ratio(), generator.result().throughput());
        return where + saturated + bound + alone;
    }

    private static SessionBenchmark.Pass find(List<SessionBenchmark.Pass> passes, int clients) {
        return passes.stream().filter(pass -> pass.result().clients() == clients).findFirst().orElse(null);
    }
}
