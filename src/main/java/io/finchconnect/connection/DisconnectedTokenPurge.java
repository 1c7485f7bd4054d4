package io.finchconnect.connection;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Deletes the tokens still kept for connections disconnected before a disconnect deleted its token itself
 * (ConnectionLifecycle): the data step of that change, done by the service in small batches rather than by a
 * migration, so a pod of the previous release finds the rows it knows during a rollout (docs/operations.md).
 */
@ApplicationScoped
public class DisconnectedTokenPurge {

    private static final Logger LOG = Logger.getLogger(DisconnectedTokenPurge.class);
    private static final int BATCH = 500;

    private final Pool pool;

    DisconnectedTokenPurge(Pool pool) {
        this.pool = pool;
    }

    @Scheduled(every = "${token-vault.disconnected-purge-interval:1h}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledPurge() {
        return purge().onFailure().recoverWithItem(failure -> {
            LOG.debugf("Purge of disconnected connections' tokens failed: %s", failure.toString());
            return 0;
        }).replaceWithVoid();
    }

    /** Deletes one batch; returns how many tokens. */
    public Uni<Integer> purge() {
        return ConnectionStore.purgeDisconnectedTokens(pool, BATCH).invoke(purged -> {
            if (purged > 0) {
                LOG.infof("Deleted the tokens of %d disconnected connections", purged);
            }
        });
    }
}
