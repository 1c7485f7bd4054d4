package io.finchconnect.reauth;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Deletes the sessions kept for adopting stranded connections once they have expired, whether the employer
 * completed them (the connection is stored by then) or not: without this {@code connection_adoptions} only grows.
 * Adoptions are rare operator actions, so one small batch per run is plenty.
 */
@ApplicationScoped
public class AdoptionCleanup {

    private static final Logger LOG = Logger.getLogger(AdoptionCleanup.class);
    private static final int BATCH = 500;

    private final Pool pool;

    AdoptionCleanup(Pool pool) {
        this.pool = pool;
    }

    @Scheduled(every = "${reauth.adoption-cleanup-interval:1h}", delayed = "40s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledCleanup() {
        return deleteExpired().onFailure().recoverWithItem(failure -> {
            LOG.debugf("Adoption session cleanup failed: %s", failure.toString());
            return 0;
        }).replaceWithVoid();
    }

    /** Deletes one batch of expired adoption sessions; returns how many. */
    public Uni<Integer> deleteExpired() {
        return ConnectionAdoptionStore.deleteExpired(pool, BATCH).invoke(deleted -> {
            if (deleted > 0) {
                LOG.debugf("Deleted %d expired adoption sessions", deleted);
            }
        });
    }
}
