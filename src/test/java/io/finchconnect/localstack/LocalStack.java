package io.finchconnect.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.finchconnect.simulator.FinchSimulator;
import io.finchconnect.testing.DevJwt;
import io.finchconnect.testing.EmbeddedPostgresServer;
import io.finchconnect.testing.KafkaBroker;

/**
 * The whole service on a laptop without Docker ({@code ./mvnw -Plocal}): embedded PostgreSQL, a KRaft Kafka
 * broker, the Finch simulator, and the service (dev mode by default) wired to all three through the same
 * environment variables production uses. Prints where everything listens and a dev token; Ctrl-C stops it all.
 * Data stays under {@code target/local-stack} between runs.
 */
public final class LocalStack {

    private static final Path HOME = Path.of(System.getProperty("local.dir", "target/local-stack"));
    private static final int SERVICE_PORT = Integer.getInteger("local.service-port", 8080);
    private static final int MANAGEMENT_PORT = Integer.getInteger("local.management-port", 9000);
    private static final int POSTGRES_PORT = Integer.getInteger("local.postgres-port", 55432);
    private static final int KAFKA_PORT = Integer.getInteger("local.kafka-port", 59092);
    private static final int FINCH_PORT = Integer.getInteger("local.finch-port", 8089);
    /** {@code dev} runs {@code ./mvnw quarkus:dev}; {@code jar} runs the built production jar. */
    private static final String SERVICE_MODE = System.getProperty("local.service", "dev");

    private final List<AutoCloseable> started = new ArrayList<>();
    private volatile Process service;

    public static void main(String[] args) throws Exception {
        LocalStack stack = new LocalStack();
        Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "local-stack-shutdown"));
        int exit = stack.run();
        System.exit(exit);
    }

    private int run() throws Exception {
        Files.createDirectories(HOME);
        // Ctrl-C signals the whole foreground process group at once: the servers are started so that only this
        // JVM's exit hook stops them, after the service, whose Kafka consumer and database pool would otherwise fail
        // loudly against servers already gone (PostgreSQL's postmaster has a session of its own already).
        EmbeddedPostgresServer postgres = track(EmbeddedPostgresServer.startStoppedByOwner(HOME.resolve("postgres"), POSTGRES_PORT));
        KafkaBroker kafka = track(KafkaBroker.startStoppedByOwner(HOME.resolve("kafka"), KAFKA_PORT)
                .withTopics(KafkaBroker.SERVICE_TOPICS));
        String serviceUrl = "http://localhost:" + SERVICE_PORT;
        String redirectUri = serviceUrl + "/v1/connect/callback";
        FinchSimulator.Options options = FinchSimulator.Options.defaults().withPort(FINCH_PORT)
                .withWebhookUrl(serviceUrl + "/v1/webhooks/finch").withAllowedRedirectUris(Set.of(redirectUri));
        FinchSimulator finch = track(FinchSimulator.start(options));
        DevJwt jwt = DevJwt.inFolder(HOME.resolve("jwt"));

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("QUARKUS_DATASOURCE_REACTIVE_URL", postgres.reactiveUrl());
        environment.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl());
        environment.put("QUARKUS_DATASOURCE_USERNAME", postgres.username());
        environment.put("QUARKUS_DATASOURCE_PASSWORD", postgres.password());
        environment.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        environment.put("FINCH_BASE_URL", finch.baseUrl());
        environment.put("FINCH_CLIENT_ID", options.clientId());
        environment.put("FINCH_CLIENT_SECRET", options.clientSecret());
        environment.put("FINCH_WEBHOOK_SECRET", options.webhookSecretBase64());
        environment.put("FINCH_REDIRECT_URIS", redirectUri);
        environment.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", jwt.publicKeyFile().toAbsolutePath().toString());
        environment.put("MP_JWT_VERIFY_ISSUER", DevJwt.ISSUER);
        environment.put("MP_JWT_VERIFY_AUDIENCES", DevJwt.AUDIENCE);
        environment.put("TOKEN_VAULT_KEYS", "local-1:" + persistentKey("token-vault.key"));
        environment.put("TOKEN_VAULT_ACTIVE_KEY_ID", "local-1");
        environment.put("CONNECT_STATE_KEY", persistentKey("connect-state.key"));
        environment.put("PORT", String.valueOf(SERVICE_PORT));
        environment.put("MANAGEMENT_PORT", String.valueOf(MANAGEMENT_PORT));
        // The production jar (-Dlocal.service=jar) only validates the schema; on a laptop it migrates as dev mode does.
        environment.put("DB_MIGRATE_AT_START", "true");
        String managementUrl = "http://localhost:" + MANAGEMENT_PORT;

        service = startService(environment);
        String token = jwt.token("local-developer", Set.copyOf(DevToken.ROLES), Duration.ofHours(12));
        printBanner(postgres, kafka, finch, serviceUrl, managementUrl, token);
        if (awaitReady(managementUrl, service)) {
            say("ready: " + managementUrl + "/q/health/ready is UP (Ctrl-C stops everything)");
        }
        return service.waitFor();
    }

    private Process startService(Map<String, String> environment) throws IOException {
        List<String> command = SERVICE_MODE.equals("jar")
                ? List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                        "target/quarkus-app/quarkus-run.jar")
                : List.of("./mvnw", "quarkus:dev", "-Dquarkus.http.port=" + SERVICE_PORT,
                        "-Ddebug=false", "-Dquarkus.console.enabled=false");
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static boolean awaitReady(String managementUrl, Process service) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline && service.isAlive()) {
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(managementUrl + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        say(service.isAlive() ? "the service did not become ready within 5 minutes; see its output above"
                : "the service exited; see its output above");
        return false;
    }

    private void printBanner(EmbeddedPostgresServer postgres, KafkaBroker kafka, FinchSimulator finch, String serviceUrl,
                             String managementUrl, String token) {
        say("");
        say("finch-connect-service local stack (data under " + HOME.toAbsolutePath() + ")");
        say("  PostgreSQL      " + postgres.jdbcUrl() + "  (user " + postgres.username() + ")");
        say("  Kafka           " + kafka.bootstrapServers());
        say("  Finch simulator " + finch.baseUrl() + "  (Connect pages at /authorize, control API at /_control)");
        say("  service         " + serviceUrl + "  (" + SERVICE_MODE + " mode; the API)");
        say("  management      " + managementUrl + "  (health /q/health, metrics /q/metrics, OpenAPI /q/openapi)");
        say("  dev token (12 h, every role; other roles: io.finchconnect.localstack.DevToken, docs/local-stack.md):");
        say("export TOKEN=" + token);
        say("");
    }

    /** A key kept with the local stack's data, so stored tokens and issued links stay valid across runs. */
    private static String persistentKey(String name) throws IOException {
        Path file = HOME.resolve(name);
        if (!Files.exists(file)) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.writeString(file, Base64.getEncoder().encodeToString(key));
        }
        return Files.readString(file).trim();
    }

    private <T extends AutoCloseable> T track(T server) {
        started.add(0, server);
        return server;
    }

    private void stop() {
        Process running = service;
        if (running != null && running.isAlive()) {
            // In dev mode the service is a grandchild (mvn starts the dev JVM): stop the whole tree, leaves first,
            // so the service shuts down gracefully before the servers it uses go away.
            List<ProcessHandle> tree = new ArrayList<>(running.descendants().toList());
            java.util.Collections.reverse(tree);
            tree.add(running.toHandle());
            for (ProcessHandle process : tree) {
                process.destroy();
                try {
                    process.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    process.destroyForcibly();
                }
            }
        }
        for (AutoCloseable server : started) {
            try {
                server.close();
            } catch (Exception e) {
                say("stopping " + server.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
        say("local stack stopped");
    }

    private static void say(String line) {
        System.out.println("[local-stack] " + line);
    }
}
