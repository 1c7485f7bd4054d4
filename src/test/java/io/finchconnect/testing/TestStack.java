package io.finchconnect.testing;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.ConfigProvider;

import io.finchconnect.simulator.FinchSimulator;

/**
 * The servers the tests run against, started once per JVM however many Quarkus applications the tests boot:
 * embedded PostgreSQL, a KRaft Kafka broker and the Finch simulator. Where the usual settings point at an
 * external PostgreSQL or Kafka ({@code QUARKUS_DATASOURCE_REACTIVE_URL}, {@code KAFKA_BOOTSTRAP_SERVERS} or
 * the matching system properties), that one is used instead.
 */
public final class TestStack {

    public static final String REDIRECT_URI = "http://localhost:8081/v1/connect/callback";
    private static final Path ROOT = Path.of("target", "test-stack");
    private static TestStack instance;

    private final EmbeddedPostgresServer postgres;
    private final KafkaBroker kafka;
    private final FinchSimulator finch;
    private final DevJwt jwt;
    private final Map<String, String> config = new LinkedHashMap<>();

    private TestStack() {
        String externalDatabase = setting("QUARKUS_DATASOURCE_REACTIVE_URL", "quarkus.datasource.reactive.url");
        String externalKafka = setting("KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrap.servers");
        postgres = externalDatabase == null ? EmbeddedPostgresServer.start(ROOT.resolve("postgres-" + ProcessHandle.current().pid()), 0) : null;
        kafka = externalKafka == null ? KafkaBroker.start(ROOT.resolve("kafka-" + ProcessHandle.current().pid()), 0) : null;
        String webhookSecret = randomBase64(32);
        finch = FinchSimulator.start(FinchSimulator.Options.defaults().withWebhookSecretBase64(webhookSecret)
                .withAllowedRedirectUris(Set.of(REDIRECT_URI)));
        jwt = DevJwt.inFolder(ROOT.resolve("jwt"));
        if (postgres != null) {
            config.put("quarkus.datasource.reactive.url", postgres.reactiveUrl());
            config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
            config.put("quarkus.datasource.username", postgres.username());
            config.put("quarkus.datasource.password", postgres.password());
        }
        if (kafka != null) {
            config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        }
        config.put("finch.base-url", finch.baseUrl());
        config.put("finch.client-id", FinchSimulator.Options.defaults().clientId());
        config.put("finch.client-secret", FinchSimulator.Options.defaults().clientSecret());
        config.put("finch.webhook-secrets", webhookSecret);
        config.put("finch.redirect-uris", REDIRECT_URI);
        config.put("mp.jwt.verify.publickey.location", jwt.publicKeyFile().toAbsolutePath().toUri().toString());
        config.put("mp.jwt.verify.issuer", DevJwt.ISSUER);
        config.put("token-vault.keys", "test-2:" + randomBase64(32) + ",test-1:" + randomBase64(32));
        config.put("token-vault.active-key-id", "test-2");
    }

    public static synchronized TestStack get() {
        if (instance == null) {
            instance = new TestStack();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::close, "test-stack-shutdown"));
        }
        return instance;
    }

    /** Settings for the application under test. */
    public Map<String, String> config() {
        return Map.copyOf(config);
    }

    /** The embedded PostgreSQL, for fault tests; fails when the tests run against an external one. */
    public EmbeddedPostgresServer postgres() {
        if (postgres == null) {
            throw new IllegalStateException("Tests run against an external PostgreSQL");
        }
        return postgres;
    }

    public KafkaBroker kafka() {
        if (kafka == null) {
            throw new IllegalStateException("Tests run against an external Kafka");
        }
        return kafka;
    }

    public FinchSimulator finch() {
        return finch;
    }

    public DevJwt jwt() {
        return jwt;
    }

    /** Kafka bootstrap servers, embedded or external. */
    public static String bootstrapServers() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private void close() {
        finch.close();
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static String setting(String environmentVariable, String property) {
        String value = System.getProperty(property, System.getenv(environmentVariable));
        return value == null || value.isBlank() ? null : value;
    }

    private static String randomBase64(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return Base64.getEncoder().encodeToString(random);
    }
}
