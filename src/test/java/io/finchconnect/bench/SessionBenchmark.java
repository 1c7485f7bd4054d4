package io.finchconnect.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;
import io.vertx.core.Vertx;

/**
 * Session creation under Finch latency (docs/benchmarks.md): the Finch simulator answers
 * {@code POST /connect/sessions} after a fixed latency L; C closed-loop clients with distinct customers drive
 * {@code POST /v1/connect/sessions} of the production jar, so throughput is bounded by C / L (Little's law).
 * For each C the same clients first drive the simulator directly, which measures what the load generator and
 * the simulator alone reach on this machine. Prints the figures and writes them with a description of the
 * machine to {@code src/bench/results/session-creation.md}.
 */
public final class SessionBenchmark {

    private static final Duration LATENCY = Duration.ofMillis(Integer.getInteger("bench.latency-ms", 300));
    private static final List<Integer> CLIENTS = Arrays.stream(System.getProperty("bench.clients", "100,1000,2000")
            .split(",")).map(String::trim).map(Integer::valueOf).toList();
    private static final Duration WARMUP = Duration.ofSeconds(Integer.getInteger("bench.warmup-seconds", 5));
    private static final Duration MEASURED = Duration.ofSeconds(Integer.getInteger("bench.measure-seconds", 20));
    /** A fresh JVM first runs the service's code interpreted; the JIT needs load and CPU to catch up. */
    private static final Duration SERVICE_WARMUP = Duration.ofSeconds(Integer.getInteger("bench.service-warmup-seconds", 20));
    private static final double TARGET_RATIO = 0.90;
    private static final int TARGET_CLIENTS = 1000;
    /** Vert.x's warning for an event loop (or worker) held longer than allowed. */
    private static final Pattern BLOCKED = Pattern.compile("has been blocked for");

    private final TestStack stack;
    private final ClosedLoopLoad load;
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    private SessionBenchmark(TestStack stack, ClosedLoopLoad load) {
        this.stack = stack;
        this.load = load;
    }

    public static void main(String[] args) throws Exception {
        TestStack stack = TestStack.get();
        Vertx vertx = Vertx.vertx();
        int status = 0;
        try {
            new SessionBenchmark(stack, new ClosedLoopLoad(vertx)).run();
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        } finally {
            vertx.close();
        }
        // The test stack's servers stop in its shutdown hook.
        System.exit(status);
    }

    /** One measured window: the load's figures, where the CPU went, and for the service its gauges. */
    record Pass(ClosedLoopLoad.Result result, CpuTime cores, ServiceGauges.Maxima gauges, long blockedWarnings) {

        double bound() {
            return result.clients() / (LATENCY.toNanos() / 1e9);
        }

        double ratio() {
            return result.throughput() / bound();
        }

        /** Milliseconds of CPU per answered request, of the service or of the benchmark's JVM. */
        double cpuMillisPerRequest(double cores) {
            return result.throughput() == 0 ? Double.NaN : cores * 1000 / result.throughput();
        }
    }

    private void run() throws Exception {
        LoadAverage loadAverage = new LoadAverage();
        loadAverage.start();
        setFinchLatency();
        Map<String, String> environment = serviceEnvironment();
        log("L=%d ms, clients %s, warm-up %d s, measured %d s, service %s", LATENCY.toMillis(), CLIENTS,
                WARMUP.toSeconds(), MEASURED.toSeconds(), ServiceProcess.JAR);
        List<Pass> direct = new ArrayList<>();
        List<Pass> service = new ArrayList<>();
        DeployedMemory deployed = DeployedMemory.read();
        log("service JVM options from %s: %s", DeployedMemory.DEPLOYMENT, String.join(" ", deployed.jvmOptions()));
        try (ServiceProcess process = ServiceProcess.start(environment, "bench-sessions", deployed.jvmOptions()).awaitReady()) {
            long blockedAtStart = blockedWarnings(process);
            int warmupClients = CLIENTS.get(0);
            report("service warm-up (not counted)",
                    measure(serviceTarget(process, warmupClients), warmupClients, process, null, SERVICE_WARMUP));
            for (int clients : CLIENTS) {
                direct.add(measure(simulatorTarget(clients), clients, process, null, MEASURED));
                report("generator + simulator alone", direct.get(direct.size() - 1));
                long before = blockedWarnings(process);
                Pass pass = measure(serviceTarget(process, clients), clients, process, process.managementUrl("/q/metrics"), MEASURED);
                pass = new Pass(pass.result(), pass.cores(), pass.gauges(), blockedWarnings(process) - before);
                service.add(pass);
                report("through the service", pass);
            }
            long blockedTotal = blockedWarnings(process);
            loadAverage.stop();
            new SessionResults(LATENCY, SERVICE_WARMUP, WARMUP, MEASURED, TARGET_CLIENTS, TARGET_RATIO, environment)
                    .write(Path.of("src", "bench", "results", "session-creation.md"), direct, service,
                            blockedTotal, blockedAtStart, loadAverage);
        }
        log("results written to src/bench/results/session-creation.md");
    }

    private Pass measure(ClosedLoopLoad.Target target, int clients, ServiceProcess process, String metricsUrl,
                         Duration measured) throws InterruptedException {
        long pid = process.pid();
        CpuTime[] cpu = new CpuTime[2];
        ServiceGauges[] gauges = new ServiceGauges[1];
        ClosedLoopLoad.Result result = load.run(target, clients, WARMUP, measured, new ClosedLoopLoad.WindowListener() {
            @Override
            public void started() {
                cpu[0] = CpuTime.now(pid);
                if (metricsUrl != null) {
                    gauges[0] = ServiceGauges.sampleEvery(Duration.ofSeconds(1), URI.create(metricsUrl), pid);
                }
            }

            @Override
            public void ended() {
                cpu[1] = CpuTime.now(pid);
                if (gauges[0] != null) {
                    gauges[0].close();
                }
            }
        });
        return new Pass(result, cpu[0].coresUntil(cpu[1], measured.toNanos() / 1e9),
                gauges[0] == null ? null : gauges[0].maxima(), 0);
    }

    private ClosedLoopLoad.Target serviceTarget(ServiceProcess process, int clients) {
        String token = stack.jwt().token("sessions:write");
        // A new customer for every request: each one is a creation (201), and no two requests share a row.
        return new ClosedLoopLoad.Target(URI.create(process.url("/v1/connect/sessions")),
                Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"),
                (client, sequence) -> sessionBody("bench-" + run + "-" + clients + "-" + client + "-" + sequence));
    }

    private ClosedLoopLoad.Target simulatorTarget(int clients) {
        Map<String, String> config = stack.config();
        String basic = Base64.getEncoder().encodeToString((config.get("finch.client-id") + ":"
                + config.get("finch.client-secret")).getBytes(StandardCharsets.UTF_8));
        // One customer per client: the simulator refreshes its session, as cheap as a creation and without
        // growing the simulator's memory in this JVM.
        return new ClosedLoopLoad.Target(URI.create(stack.finchBaseUrl() + "/connect/sessions"),
                Map.of("Authorization", "Basic " + basic, "Finch-API-Version", "2020-09-17",
                        "Content-Type", "application/json"),
                (client, sequence) -> sessionBody("direct-" + run + "-" + clients + "-" + client));
    }

    private static String sessionBody(String customerId) {
        return """
                {"customer_id":"%s","customer_name":"Bench Payroll LLC","customer_email":"hr@bench.example",\
                "products":["company","directory","individual"],"redirect_uri":"%s"}"""
                .formatted(customerId, TestStack.REDIRECT_URI);
    }

    /** The production environment of the test stack, plus any {@code -Dbench.env.NAME=value} for experiments. */
    private Map<String, String> serviceEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>(ServiceProcess.environmentFor(stack));
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("bench.env."))
                .forEach(name -> environment.put(name.substring("bench.env.".length()), System.getProperty(name)));
        return environment;
    }

    private void setFinchLatency() {
        Finch.everyRequest().fault("connect.sessions", Map.of("latency_ms", LATENCY.toMillis()));
    }

    private static long blockedWarnings(ServiceProcess process) {
        return process.output().lines().filter(line -> BLOCKED.matcher(line).find()).count();
    }

    private static void report(String what, Pass pass) {
        ClosedLoopLoad.Result result = pass.result();
        log("C=%d %s: bound %.0f/s, achieved %.0f/s (%.2f), p50 %d ms, p99 %d ms, non-2xx %d, failed %d; "
                        + "cores busy: machine %.2f, service %.2f (%.2f ms per request), bench JVM %.2f (%.2f ms per request), "
                        + "PostgreSQL %.2f, Kafka %.2f, other processes %.2f%s",
                result.clients(), what, pass.bound(), result.throughput(), pass.ratio(),
                result.percentile(50).toMillis(), result.percentile(99).toMillis(), result.non2xx(), result.failed(),
                pass.cores().machineBusy(), pass.cores().service(), pass.cpuMillisPerRequest(pass.cores().service()),
                pass.cores().bench(), pass.cpuMillisPerRequest(pass.cores().bench()), pass.cores().postgres(),
                pass.cores().kafka(), pass.cores().others(),
                pass.gauges() == null ? "" : ("; heap max %d MiB, threads max %d, RSS max %d MiB, "
                        + "waiting for a DB connection max %d, blocked warnings %d")
                        .formatted(pass.gauges().heapUsedBytes() >> 20, pass.gauges().liveThreads(),
                                pass.gauges().rssBytes() >> 20, pass.gauges().databaseQueue(), pass.blockedWarnings()));
    }

    static void log(String format, Object... args) {
        System.out.printf("[session-bench] " + format + "%n", args);
    }
}
