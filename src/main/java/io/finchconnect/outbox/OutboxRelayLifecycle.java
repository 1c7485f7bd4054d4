package io.finchconnect.outbox;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.finchconnect.common.database.DatabaseConfig;
import io.finchconnect.outbox.config.OutboxConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
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
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;
    @Inject
    Pool pool;
    @ConfigProperty(name = "quarkus.shutdown.timeout")
    Duration shutdownTimeout;

    private OutboxRelay relay;

    void start(@Observes StartupEvent event) {
        if (!config.relayEnabled()) {
            LOG.info("Outbox relay disabled on this instance (outbox.relay-enabled=false)");
            return;
        }
        startRelay();
    }

    void stop(@Observes ShutdownEvent event) {
        stopRelay(shutdownTimeout.dividedBy(2));
    }

    /**
     * Starts this instance's relay. Package-private, with {@link #stopRelay}, for the tests of relays they start
     * themselves: they set this one aside for a while instead of running an application without it.
     */
    synchronized void startRelay() {
        if (relay == null) {
            relay = new OutboxRelay(vertx, pool, new OutboxPublisher(kafkaConfig, config.topic(), config.sendTimeout()),
                    settings(config), metrics);
            relay.start();
        }
    }

    /** Stops this instance's relay, which hands its partitions back; never called on an event loop. */
    synchronized void stopRelay(Duration timeout) {
        if (relay != null) {
            relay.stop(timeout);
            relay = null;
        }
    }

    public static OutboxRelay.Settings settings(OutboxConfig config) {
        return new OutboxRelay.Settings(config.batchSize(), config.pollInterval(), config.maxAttempts(),
                config.backoffInitial(), config.backoffMax(), config.leaseDuration(), config.heartbeatInterval(),
                config.retention().isZero());
    }

    /**
     * Connection options from a URL, user and password, for tools and benchmarks that have no datasource; the
     * service's relay uses the application's pool, so it connects with all of the datasource's settings.
     */
    public static PgConnectOptions connectOptions(String reactiveUrl, String user, String password) {
        String url = reactiveUrl.startsWith("vertx-reactive:") ? reactiveUrl.substring("vertx-reactive:".length())
                : reactiveUrl;
        PgConnectOptions options = PgConnectOptions.fromUri(URI.create(url).toString());
        options.setUser(user).setPassword(password).setConnectTimeout(5_000).setReconnectAttempts(0);
        return options;
    }
}
