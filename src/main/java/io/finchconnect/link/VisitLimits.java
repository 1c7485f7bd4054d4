package io.finchconnect.link;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.link.config.ConnectLinkConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The visits' limits, per link and per client address, counted in PostgreSQL so that every replica sees every visit;
 * and the claim that lets one visit at a time ask Finch for a customer's session.
 */
@ApplicationScoped
public class VisitLimits {

    private static final Logger LOG = Logger.getLogger(VisitLimits.class);

    private final Pool pool;
    private final ConnectLinkConfig config;

    VisitLimits(Pool pool, ConnectLinkConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** Counts the visit; empty when it is within the limits, else when to come back. */
    public Uni<Optional<Duration>> admit(String address, UUID linkId) {
        List<String> buckets = new ArrayList<>();
        buckets.add("address:" + address);
        if (linkId != null) {
            buckets.add("link:" + linkId);
        }
        return VisitCountStore.count(pool, buckets).map(counted -> {
            boolean over = counted.visits().getOrDefault("address:" + address, 0) > config.visitsPerAddressPerMinute()
                    || linkId != null && counted.visits().getOrDefault("link:" + linkId, 0) > config.visitsPerLinkPerMinute();
            return over ? Optional.of(Duration.ofSeconds(counted.secondsLeft())) : Optional.empty();
        });
    }

    /** Whether this visit may ask Finch for the customer's session now (none did within the interval). */
    public Uni<Boolean> claimFinchCall(String customerId) {
        return FinchCallStore.claim(pool, customerId, config.finchCallInterval());
    }

    @Scheduled(every = "${connect-links.visit-count-cleanup-interval:5m}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> deletePastCounts() {
        return VisitCountStore.deletePast(pool).onFailure().recoverWithItem(failure -> {
            LOG.debugf("Connect link visit count cleanup failed: %s", failure.toString());
            return 0;
        }).replaceWithVoid();
    }
}
