package io.finchconnect.outbox;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.outbox.config.OutboxConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Periodic outbox housekeeping on every instance: reads the backlog for the metrics (never for readiness:
 * a backlog is an alert, not a reason to take the API out of the Service), and deletes sent rows past retention in small batches so no statement holds long locks on this high-churn table.
 */
@ApplicationScoped
public class OutboxMonitor {

    private static final Logger LOG = Logger.getLogger(OutboxMonitor.class);

    private final Pool pool;
    private final OutboxMetrics metrics;
    private final OutboxConfig config;

    OutboxMonitor(Pool pool, OutboxMetrics metrics, OutboxConfig config) {
        this.pool = pool;
        this.metrics = metrics;
        this.config = config;
    }

    @Scheduled(every = "${outbox.stats-interval:5s}", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> refreshStats() {
        return OutboxStore.stats(pool).invoke(metrics::update).replaceWithVoid()
                .onFailure().invoke(failure -> LOG.debugf("Outbox stats unavailable: %s", failure.toString()))
                .onFailure().recoverWithNull();
    }

    @Scheduled(every = "${outbox.cleanup-interval:1m}", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> deleteExpired() {
        return deleteExpiredRows()
                .invoke(deleted -> {
                    if (deleted > 0) {
                        LOG.debugf("Deleted %d sent outbox rows past retention", deleted);
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(failure -> LOG.warnf("Outbox retention cleanup failed: %s", failure.toString()))
                .onFailure().recoverWithNull();
    }

    /** Deletes batch after batch until a batch comes back short; returns the total. */
    public Uni<Long> deleteExpiredRows() {
        int batch = config.cleanupBatchSize();
        return Multi.createBy().repeating()
                .uni(() -> OutboxStore.deleteSentBefore(pool, config.retention(), config.skippedRetention(), batch))
                .whilst(deleted -> deleted == batch)
                .collect().in(() -> new long[1], (sum, deleted) -> sum[0] += deleted)
                .map(sum -> sum[0]);
    }
}
