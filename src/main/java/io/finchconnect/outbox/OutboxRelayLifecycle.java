package io.finchconnect.outbox;

import java.net.URI;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.finchconnect.common.database.DatabaseConfig;
import io.finchconnect.common.database.DatabaseTls;
import io.finchconnect.outbox.config.OutboxConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Starts this instance's outbox relay with the application and drains it on shutdown.
 */
@ApplicationScoped
public class OutboxRelayLifecycle {

    private static final Logger LOG = Logger.getLogger(OutboxRelayLifecycle.class);

    @Inject
    Vertx vertx;
    @Inject
    OutboxConfig config;
    @Inject
    OutboxMetrics metrics;
    @Inject
    DatabaseConfig databaseConfig;
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;
    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String databaseUrl;
    @ConfigProperty(name = "quarkus.datasource.username")
    String databaseUser;
    @ConfigProperty(name = "quarkus.datasource.password")
    String databasePassword;
    @ConfigProperty(name = "quarkus.shutdown.timeout")
    java.time.Duration shutdownTimeout;

    private OutboxRelay relay;

    void start(@Observes StartupEvent event) {
        if (!config.relayEnabled()) {
            LOG.info("Outbox relay disabled on this instance (outbox.relay-enabled=false)");
            return;
        }
        relay = new OutboxRelay(vertx, DatabaseTls.secure(connectOptions(databaseUrl, databaseUser, databasePassword),
                        databaseConfig.sslRootCert()),
                new OutboxPublisher(kafkaConfig, config.topic(), config.sendTimeout()), settings(config), metrics);
        relay.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (relay != null) {
            relay.stop(shutdownTimeout.dividedBy(2));
        }
    }

    public boolean isLeader() {
        return relay != null && relay.isLeader();
    }

    public static OutboxRelay.Settings settings(OutboxConfig config) {
        return new OutboxRelay.Settings(config.batchSize(), config.pollInterval(), config.maxAttempts(),
                config.backoffInitial(), config.backoffMax());
    }

    /** The relay's own connection (it holds the leader lock and LISTENs), with the datasource's settings. */
    public static PgConnectOptions connectOptions(String reactiveUrl, String user, String password) {
        String url = reactiveUrl.startsWith("vertx-reactive:") ? reactiveUrl.substring("vertx-reactive:".length())
                : reactiveUrl;
        PgConnectOptions options = PgConnectOptions.fromUri(URI.create(url).toString());
        options.setUser(user).setPassword(password).setConnectTimeout(5_000).setReconnectAttempts(0);
        // Names the instance in pg_stat_activity, so an operator sees which process leads the relay.
        options.getProperties().put("application_name", "finch-connect-outbox-relay:" + ProcessHandle.current().pid());
        return options;
    }
}
