package io.finchconnect.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;


/**
 * The production jar as a separate process, started with nothing but the environment variables that
 * docs/configuration.md documents, for tests of what only a real process shows: fail-fast configuration, several instances,
 * {@code kill -9}.
 */
public final class ServiceProcess implements AutoCloseable {

    public static final Path JAR = Path.of(System.getProperty("quarkus.app.jar", "target/quarkus-app/quarkus-run.jar"));

    private final Process process;
    private final Path log;
    public final int port;
    /** The management interface's port (health, metrics): a free one per process, like the API port. */
    public final int managementPort;

    private ServiceProcess(Process process, Path log, int port, int managementPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.managementPort = managementPort;
    }

    /**
     * What the migration Job (deploy/base/migration-job.yaml) adds to the service's environment: migrate instead
     * of validating, then exit. ManifestMigrationTest checks the Job sets exactly these.
     */
    public static final Map<String, String> MIGRATION_JOB = Map.of("DB_MIGRATE_AT_START", "true",
            "DB_VALIDATE_AT_START", "false", "QUARKUS_INIT_AND_EXIT", "true");

    private static final Set<String> MIGRATED = ConcurrentHashMap.newKeySet();

    /**
     * The production environment for the shared test stack, keyed by environment variable. The production jar
     * only validates the schema, so the stack's database is first migrated as the migration Job does it.
     */
    public static Map<String, String> environmentFor(TestStack stack) {
        Map<String, String> environment = documentedEnvironmentFor(stack);
        if (!MIGRATED.contains(environment.get("QUARKUS_DATASOURCE_JDBC_URL"))) {
            synchronized (MIGRATED) {
                if (MIGRATED.add(environment.get("QUARKUS_DATASOURCE_JDBC_URL"))) {
                    migrate(environment);
                }
            }
        }
        return environment;
    }

    /**
     * As {@link #environmentFor}, on a database of its own, created empty on the same server and migrated as the
     * migration Job does: for a test that compares whole tables, which rows other tests left behind (and the
     * background work they cause: inbox rounds, reauth sweeps, relaying) would otherwise change under it.
     */
    public static Map<String, String> environmentWithOwnDatabase(TestStack stack, String name) {
        Map<String, String> environment = documentedEnvironmentFor(stack);
        String jdbcUrl = environment.get("QUARKUS_DATASOURCE_JDBC_URL");
        String database = name + "_" + Long.toHexString(System.nanoTime());
        try (java.sql.Connection server = java.sql.DriverManager.getConnection(jdbcUrl,
                environment.get("QUARKUS_DATASOURCE_USERNAME"), environment.get("QUARKUS_DATASOURCE_PASSWORD"));
             java.sql.Statement create = server.createStatement()) {
            create.execute("CREATE DATABASE " + database);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("Could not create database " + database, e);
        }
        environment.put("QUARKUS_DATASOURCE_JDBC_URL", withDatabase(jdbcUrl, database));
        environment.put("QUARKUS_DATASOURCE_REACTIVE_URL", withDatabase(environment.get("QUARKUS_DATASOURCE_REACTIVE_URL"), database));
        migrate(environment);
        return environment;
    }

    /** A PostgreSQL URL ({@code ...//host:port/database?options}) naming another database. */
    private static String withDatabase(String url, String database) {
        return url.replaceFirst("^(.*//[^/]+/)[^?]*", "$1" + database);
    }

    /**
     * Runs the jar as the migration Job does, with this environment (the jar validates every setting at start-up,
     * init-and-exit too, so the Job has the service's settings); fails unless it migrates and exits 0.
     */
    public static String migrate(Map<String, String> environment) {
        Map<String, String> job = new LinkedHashMap<>(environment);
        job.putAll(MIGRATION_JOB);
        try {
            ServiceProcess migration = start(job, "migration");
            if (!migration.exitsWithin(Duration.ofSeconds(120))) {
                migration.kill9();
                throw new AssertionError("the migration did not exit within 120 s:\n" + migration.output());
            }
            if (migration.exitCode() != 0) {
                throw new AssertionError("the migration failed (exit " + migration.exitCode() + "):\n" + migration.output());
            }
            return migration.output();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> documentedEnvironmentFor(TestStack stack) {
        Map<String, String> config = stack.config();
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("QUARKUS_DATASOURCE_REACTIVE_URL", config.get("quarkus.datasource.reactive.url"));
        environment.put("QUARKUS_DATASOURCE_JDBC_URL", config.get("quarkus.datasource.jdbc.url"));
        environment.put("QUARKUS_DATASOURCE_USERNAME", config.get("quarkus.datasource.username"));
        environment.put("QUARKUS_DATASOURCE_PASSWORD", config.get("quarkus.datasource.password"));
        environment.put("KAFKA_BOOTSTRAP_SERVERS", config.get("kafka.bootstrap.servers"));
        environment.put("FINCH_BASE_URL", config.get("finch.base-url"));
        environment.put("FINCH_CLIENT_ID", config.get("finch.client-id"));
        environment.put("FINCH_CLIENT_SECRET", config.get("finch.client-secret"));
        environment.put("FINCH_WEBHOOK_SECRET", config.get("finch.webhook-secrets"));
        environment.put("FINCH_REDIRECT_URIS", config.get("finch.redirect-uris"));
        environment.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", config.get("mp.jwt.verify.publickey.location"));
        environment.put("MP_JWT_VERIFY_ISSUER", config.get("mp.jwt.verify.issuer"));
        environment.put("MP_JWT_VERIFY_AUDIENCES", DevJwt.AUDIENCE);
        environment.put("TOKEN_VAULT_KEYS", config.get("token-vault.keys"));
        environment.put("TOKEN_VAULT_ACTIVE_KEY_ID", config.get("token-vault.active-key-id"));
        environment.put("CONNECT_STATE_KEY", config.get("connect.state-key"));
        // Production deletes outbox rows on ack; the ITs read them back to audit what was sent.
        environment.put("OUTBOX_RETENTION", "1h");
        // The pause between readiness DOWN and the stop is for a load balancer to notice; no test but
        // GracefulShutdownIT (which sets its own) has one, and every other stop would wait it out.
        environment.put("SHUTDOWN_DELAY", "0s");
        return environment;
    }

    /**
     * The JVM options of every start: the Deployment's heap, and C1 only, which halves the CPU a start costs (C2's
     * compiler threads pay off in a long-lived pod, not in a process a test runs for a minute on two cores). Neither
     * changes what the service does.
     */
    public static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

    /** Starts the jar with exactly {@code environment} (plus PATH, PORT and MANAGEMENT_PORT), output to a log file. */
    public static ServiceProcess start(Map<String, String> environment, String name) throws IOException {
        return start(environment, name, JVM_OPTIONS);
    }

    /** As {@link #start(Map, String)}, with these JVM options instead of {@link #JVM_OPTIONS}. */
    public static ServiceProcess start(Map<String, String> environment, String name, List<String> jvmOptions)
            throws IOException {
        int port = freePort();
        int managementPort = freePort();
        Path log = Path.of("target", "it-logs", name + "-" + port + ".log");
        Files.createDirectories(log.getParent());
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().putAll(environment);
        builder.environment().put("PORT", String.valueOf(port));
        builder.environment().put("MANAGEMENT_PORT", String.valueOf(managementPort));
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new ServiceProcess(builder.start(), log, port, managementPort);
    }

    public ServiceProcess awaitReady() {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("service exited:\n" + output());
                    }
                    return client.send(HttpRequest.newBuilder(URI.create(managementUrl("/q/health/ready"))).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                });
        return this;
    }

    /** A URL of the API port. */
    public String url(String path) {
        return "http://localhost:" + port + path;
    }

    /** A URL of the management interface: /q/health, /q/metrics. */
    public String managementUrl(String path) {
        return "http://localhost:" + managementPort + path;
    }

    public long pid() {
        return process.pid();
    }

    public boolean exitsWithin(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int exitCode() {
        return process.exitValue();
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** SIGSTOP: the process freezes as a stalled node would, holding its sockets open. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #freeze()}. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** Resident memory of a process, from /proc (Linux), in KiB; 0 where it cannot be read. */
    public static long rssKib(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                    .filter(line -> line.startsWith("VmRSS:")).findFirst()
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).orElse(0L);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public static final List<String> REQUIRED_VARIABLES = List.of("QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_JDBC_URL",
            "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD", "KAFKA_BOOTSTRAP_SERVERS", "FINCH_BASE_URL",
            "FINCH_CLIENT_ID", "FINCH_CLIENT_SECRET", "FINCH_WEBHOOK_SECRET", "FINCH_REDIRECT_URIS",
            "MP_JWT_VERIFY_PUBLICKEY_LOCATION", "MP_JWT_VERIFY_ISSUER", "MP_JWT_VERIFY_AUDIENCES", "TOKEN_VAULT_KEYS", "TOKEN_VAULT_ACTIVE_KEY_ID", "CONNECT_STATE_KEY");
}
