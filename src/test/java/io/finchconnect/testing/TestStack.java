package io.finchconnect.testing;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.eclipse.microprofile.config.ConfigProvider;

import io.finchconnect.simulator.FinchSimulator;

/**
 * The servers the tests run against, started once per JVM however many Quarkus applications the tests boot:
 * embedded PostgreSQL, a KRaft Kafka broker and the Finch simulator. An external PostgreSQL or Kafka is used
 * instead only when asked for explicitly ({@code -Dtest.postgres.url}, {@code -Dtest.kafka.bootstrap-servers},
 * see {@link #optIn(String)}), never because the service's own variables are exported.
 *
 * <p>Quarkus loads test classes once per application (a test profile gets a class loader of its own), so the
 * running stack is kept in a JVM-wide registry of JDK types only, reachable from every class loader.
 */
public final class TestStack {

    /**
     * The port of every {@code @QuarkusTest} application of this JVM: a free one, chosen once per JVM, so that
     * several worktrees run their tests side by side (Quarkus' fixed 8081 collided), and known before the
     * application starts, since Finch must be told the redirect URI ahead of time.
     */
    public static final int HTTP_TEST_PORT = (Integer) JvmWideRegistry.entries()
            .computeIfAbsent("finch-connect.http-test-port", key -> freePort());
    public static final String REDIRECT_URI = "http://localhost:" + HTTP_TEST_PORT + "/v1/connect/callback";
    /**
     * A second redirect URI of the application (the same callback by another name), after the default one: what a
     * platform's own session request may name, so tests tell it from the service's default.
     */
    public static final String OTHER_REDIRECT_URI = "http://127.0.0.1:" + HTTP_TEST_PORT + "/v1/connect/callback";
    private static final Path ROOT = Path.of("target", "test-stack");
    private static final String REGISTRY = "finch-connect.test-stack";
    private static TestStack instance;

    private final Map<String, Object> registry;
    private final DevJwt jwt = DevJwt.inFolder(ROOT.resolve("jwt"));

    private TestStack(Map<String, Object> registry) {
        this.registry = registry;
    }

    public static synchronized TestStack get() {
        if (instance == null) {
            Map<String, Object> shared = JvmWideRegistry.entries();
            synchronized (shared) {
                @SuppressWarnings("unchecked")
                Map<String, Object> registry = (Map<String, Object>) shared.computeIfAbsent(REGISTRY, key -> startServers());
                instance = new TestStack(registry);
            }
        }
        return instance;
    }

    private static Map<String, Object> startServers() {
        String externalDatabase = optIn("test.postgres.url");
        String externalKafka = optIn("test.kafka.bootstrap-servers");
        String run = String.valueOf(ProcessHandle.current().pid());
        // The broker (a JVM of its own) starts while PostgreSQL does: each mostly waits on its own process.
        CompletableFuture<KafkaBroker> startingKafka = externalKafka == null ? CompletableFuture.supplyAsync(
                () -> KafkaBroker.start(ROOT.resolve("kafka-" + run), 0).withTopics(KafkaBroker.SERVICE_TOPICS))
                : CompletableFuture.completedFuture(null);
        EmbeddedPostgresServer postgres;
        try {
            postgres = externalDatabase == null ? EmbeddedPostgresServer.start(ROOT.resolve("postgres-" + run), 0) : null;
        } catch (RuntimeException e) {
            startingKafka.thenAccept(broker -> {
                if (broker != null) {
                    broker.close();
                }
            });
            throw e;
        }
        KafkaBroker kafka = startingKafka.join();
        String webhookSecret = randomBase64(32);
        FinchSimulator.Options options = FinchSimulator.Options.defaults().withWebhookSecretBase64(webhookSecret)
                .withAllowedRedirectUris(Set.of(REDIRECT_URI, OTHER_REDIRECT_URI));
        FinchSimulator finch = FinchSimulator.start(options);
        DevJwt jwt = DevJwt.inFolder(ROOT.resolve("jwt"));

        Map<String, String> config = new LinkedHashMap<>();
        // Always every one of these keys: the application's own configuration would otherwise fall back to a
        // QUARKUS_DATASOURCE_* or KAFKA_BOOTSTRAP_SERVERS that happens to be exported in the shell.
        if (postgres != null) {
            config.put("quarkus.datasource.reactive.url", postgres.reactiveUrl());
            config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
            config.put("quarkus.datasource.username", postgres.username());
            config.put("quarkus.datasource.password", postgres.password());
        } else {
            config.put("quarkus.datasource.reactive.url", externalDatabase);
            config.put("quarkus.datasource.jdbc.url", "jdbc:" + externalDatabase);
            config.put("quarkus.datasource.username", required("test.postgres.username"));
            config.put("quarkus.datasource.password", required("test.postgres.password"));
        }
        config.put("kafka.bootstrap.servers", kafka != null ? kafka.bootstrapServers() : externalKafka);
        // Quarkus builds the Kafka clients' settings from every key starting with kafka, the environment's
        // KAFKA_BOOTSTRAP_SERVERS included as such, whichever comes last winning: this key outranks the variable.
        config.put("KAFKA_BOOTSTRAP_SERVERS", config.get("kafka.bootstrap.servers"));
        config.put("quarkus.http.test-port", String.valueOf(HTTP_TEST_PORT));
        config.put("finch.base-url", finch.baseUrl());
        config.put("finch.client-id", options.clientId());
        config.put("finch.client-secret", options.clientSecret());
        config.put("finch.webhook-secrets", webhookSecret);
        config.put("finch.redirect-uris", REDIRECT_URI + "," + OTHER_REDIRECT_URI);
        config.put("mp.jwt.verify.publickey.location", jwt.publicKeyFile().toAbsolutePath().toUri().toString());
        config.put("mp.jwt.verify.issuer", DevJwt.ISSUER);
        // Three keys, so the re-encryption test retires two of them while the active one stays everyone's.
        config.put("token-vault.keys", "test-2:" + randomBase64(32) + ",test-1:" + randomBase64(32) + ",test-0:" + randomBase64(32));
        config.put("token-vault.active-key-id", "test-2");
        config.put("connect.state-key", randomBase64(32));

        Map<String, Object> registry = new HashMap<>();
        registry.put("config", Map.copyOf(config));
        if (postgres != null) {
            registry.put("postgres", handles(postgres));
        }
        if (kafka != null) {
            registry.put("kafka", handles(kafka));
        }
        registry.put("finch", handles(finch));
        registry.put("finch.webhook-url", (Consumer<String>) finch::setWebhookUrl);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            finch.close();
            if (kafka != null) {
                kafka.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        }, "test-stack-shutdown"));
        return Map.copyOf(registry);
    }

    /** Settings for the application under test. */
    @SuppressWarnings("unchecked")
    public Map<String, String> config() {
        return (Map<String, String>) registry.get("config");
    }

    /** The embedded PostgreSQL, for fault tests; fails when the tests run against an external one. */
    public TestServer postgres() {
        return server("postgres", "PostgreSQL");
    }

    /** The KRaft broker, for fault tests; fails when the tests run against an external one. */
    public TestServer kafka() {
        return server("kafka", "Kafka");
    }

    /** The Finch simulator as a server that can go away (its state survives); its control API is {@link Finch}. */
    public TestServer finchSimulator() {
        return server("finch", "Finch");
    }

    public String finchBaseUrl() {
        return config().get("finch.base-url");
    }

    @SuppressWarnings("unchecked")
    public void setFinchWebhookUrl(String url) {
        ((Consumer<String>) registry.get("finch.webhook-url")).accept(url);
    }

    public DevJwt jwt() {
        return jwt;
    }

    /** Kafka bootstrap servers, embedded or external. */
    public static String bootstrapServers() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private TestServer server(String name, String what) {
        @SuppressWarnings("unchecked")
        Map<String, Runnable> handles = (Map<String, Runnable>) registry.get(name);
        if (handles == null) {
            throw new IllegalStateException("Tests run against an external " + what);
        }
        return new RegisteredServer(handles);
    }

    /** A server's operations as JDK types, so a test of any class loader can run them. */
    private static Map<String, Runnable> handles(TestServer server) {
        return Map.of("stop", server::stop, "start", server::start, "kill", server::kill);
    }

    /**
     * An external server only on explicit request: the system property, else its {@code TEST_} environment form
     * ({@code test.postgres.url} or {@code TEST_POSTGRES_URL}). The service's own variables, which a developer may
     * have exported for another purpose, never point the tests anywhere.
     */
    static String optIn(String property) {
        String value = System.getProperty(property,
                System.getenv(property.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_")));
        return value == null || value.isBlank() ? null : value;
    }

    private static String required(String property) {
        String value = optIn(property);
        if (value == null) {
            throw new IllegalStateException("test.postgres.url is set: set " + property + " too");
        }
        return value;
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String randomBase64(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return Base64.getEncoder().encodeToString(random);
    }

    /**
     * A server started by whichever class loader came first, driven from this one: the registry holds its
     * operations as {@link Runnable}s, and {@code kill()} passes on the server's own
     * {@link UnsupportedOperationException} where it cannot be killed.
     */
    private record RegisteredServer(Map<String, Runnable> handles) implements TestServer {
        @Override
        public void stop() {
            handles.get("stop").run();
        }

        @Override
        public void start() {
            handles.get("start").run();
        }

        @Override
        public void kill() {
            handles.get("kill").run();
        }
    }
}
