package io.finchconnect.webhook;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.webhook.config.InboxConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Deletes handled inbox rows (and with them the event ids that de-duplicate) once they are older than
 * {@code inbox.retention}, longer than Finch retries a delivery, in small batches so no statement holds many locks.
 */
@ApplicationScoped
public class InboxRetention {

    private static final Logger LOG = Logger.getLogger(InboxRetention.class);
    private static final int MAX_BATCHES_PER_RUN = 100;

    private final Pool pool;
    private final InboxConfig config;

    InboxRetention(Pool pool, InboxConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @Scheduled(every = "${inbox.cleanup-interval:1m}", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return deleteExpired().replaceWithVoid().onFailure().invoke(f -> LOG.warnf("Inbox retention failed: %s", f.toString()))
                .onFailure().recoverWithNull();
    }

    /** Returns how many rows were deleted. */
    public Uni<Long> deleteExpired() {
        return Multi.createBy().repeating().uni(() -> InboxStore.deleteDoneBefore(pool, config.retention(), config.cleanupBatchSize()))
                .whilst(deleted -> deleted >= config.cleanupBatchSize())
                .select().first(MAX_BATCHES_PER_RUN)
                .collect().in(() -> new long[1], (acc, deleted) -> acc[0] += deleted)
                .map(acc -> acc[0]);
    }
}
