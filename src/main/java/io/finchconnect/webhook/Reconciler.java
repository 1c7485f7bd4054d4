package io.finchconnect.webhook;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.common.lifecycle.ShutdownSignal;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.webhook.config.ReconcileConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Finch has no webhook replay, so a lost webhook is caught by asking Finch about every live connection at least
 * once per {@code reconcile.interval}. Due connections are handed to the inbox as events of their own (channel
 * {@code reconcile}), so they take the same path as a webhook: leased, one introspection per connection, the
 * same transitions and events (reason {@code reconciled}). Each is moved one interval ahead in the statement
 * that hands it over, so across instances it is done once; a connection seen for the first time gets a due
 * time at random within the interval, which spreads them evenly. At most {@code max-per-second} per instance,
 * held back while Finch answers 429 (Retry-After).
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    private final Pool pool;
    private final ReconcileConfig config;
    private final InboxProcessor processor;
    private final InboxMetrics metrics;
    private final ShutdownSignal shutdown;
    private volatile Instant pausedUntil = Instant.EPOCH;
    private double budget;
    private Instant lastTick = Instant.now();

    Reconciler(Pool pool, ReconcileConfig config, InboxProcessor processor, InboxMetrics metrics, ShutdownSignal shutdown) {
        this.pool = pool;
        this.shutdown = shutdown;
        this.config = config;
        this.processor = processor;
        this.metrics = metrics;
        processor.onRateLimit(this::pauseFor);
    }

    /** Told by the processor when Finch rate-limits it. */
    void pauseFor(Duration duration) {
        Instant until = Instant.now().plus(duration);
        if (until.isAfter(pausedUntil)) {
            pausedUntil = until;
            LOG.infof("Reconciliation held back for %d ms: Finch rate-limits us", duration.toMillis());
        }
    }

    @Scheduled(every = "${reconcile.tick:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        return shutdown.round(this::handOverDue);
    }

    private Uni<Void> handOverDue() {
        if (!config.enabled()) {
            return Uni.createFrom().voidItem();
        }
        Instant now = Instant.now();
        double elapsed = Duration.between(lastTick, now).toMillis() / 1000.0;
        lastTick = now;
        if (now.isBefore(pausedUntil)) {
            budget = 0;
            return Uni.createFrom().voidItem();
        }
        // A token bucket holding at most one second's worth, so a pause or a slow tick does not turn into a burst.
        budget = Math.min(config.maxPerSecond(), budget + elapsed * config.maxPerSecond());
        int count = (int) Math.floor(budget);
        if (count < 1) {
            return Uni.createFrom().voidItem();
        }
        return ConnectionStore.spreadReconciliation(pool, config.interval())
                .chain(() -> InboxStore.handOverDueReconciliations(pool, count, config.interval()))
                .invoke(handedOver -> {
                    budget -= handedOver;
                    if (handedOver > 0) {
                        metrics.reconcileEnqueued(handedOver);
                        processor.wake();
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(failure -> shutdown.warnUnlessStopping(LOG, "Reconciliation tick failed: %s",
                        failure.toString()))
                .onFailure().recoverWithNull();
    }
}
