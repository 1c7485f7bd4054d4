package io.finchconnect.state;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.state.config.ConnectConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Deletes used states once they have expired: an expired state fails verification before its row is looked
 * up, so the row guards nothing any more, and without this {@code consumed_states} only grows. Small batches,
 * so the delete never holds many row locks or a connection for long.
 */
@ApplicationScoped
public class ConsumedStateCleanup {

    private static final Logger LOG = Logger.getLogger(ConsumedStateCleanup.class);

    private final Pool pool;
    private final ConnectConfig config;

    ConsumedStateCleanup(Pool pool, ConnectConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @Scheduled(every = "${connect.consumed-state-cleanup-interval:10m}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledCleanup() {
        return deleteExpired().onFailure().recoverWithItem(failure -> {
            LOG.debugf("Consumed state cleanup failed: %s", failure.toString());
            return 0;
        }).replaceWithVoid();
    }

    /** Deletes one batch of expired states; returns how many. */
    public Uni<Integer> deleteExpired() {
        return ConsumedStateStore.deleteExpired(pool, config.consumedStateCleanupBatchSize())
                .invoke(deleted -> {
                    if (deleted > 0) {
                        LOG.debugf("Deleted %d expired consumed states", deleted);
                    }
                });
    }
}
