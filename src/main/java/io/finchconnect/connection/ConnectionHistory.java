package io.finchconnect.connection;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.finchconnect.common.error.UnknownResourceException;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * A connection's events in the order they committed, kept for {@code CONNECTION_HISTORY_RETENTION} after their
 * outbox rows are gone; older ones are deleted in batches.
 */
@ApplicationScoped
public class ConnectionHistory {

    private static final Logger LOG = Logger.getLogger(ConnectionHistory.class);
    private static final int DELETE_BATCH = 1000;

    private final Pool pool;
    private final Duration retention;

    ConnectionHistory(Pool pool, @ConfigProperty(name = "connection.history-retention") Duration retention) {
        this.pool = pool;
        this.retention = retention;
    }

    /** A page: up to {@code limit} entries after {@code after} (0: from the start); {@code more}: another page follows. */
    public record Page(List<ConnectionHistoryStore.Entry> entries, boolean more) {
    }

    public Uni<Page> page(String connectionId, long after, int limit) {
        return ConnectionStore.customerOf(pool, connectionId)
                .onItem().ifNull().failWith(() -> new UnknownResourceException("No connection " + connectionId))
                .chain(customer -> ConnectionHistoryStore.page(pool, connectionId, after, limit + 1))
                .map(entries -> new Page(entries.subList(0, Math.min(limit, entries.size())), entries.size() > limit));
    }

    @Scheduled(every = "${connection.history-cleanup-interval:1h}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> deleteExpired() {
        return ConnectionHistoryStore.deleteOlderThan(pool, retention, DELETE_BATCH)
                .invoke(deleted -> {
                    if (deleted > 0) {
                        LOG.debugf("Deleted %d history entries older than %s", deleted, retention);
                    }
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("History cleanup failed: %s", failure.toString());
                    return 0;
                })
                .replaceWithVoid();
    }
}
