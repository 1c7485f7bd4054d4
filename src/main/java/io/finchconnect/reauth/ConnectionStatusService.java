package io.finchconnect.reauth;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionLifecycle;
import io.finchconnect.connection.ConnectionLifecycle.Cause;
import io.finchconnect.lifecycle.Decision;
import io.finchconnect.lifecycle.LifecycleInput;
import io.finchconnect.lifecycle.LifecycleState;
import io.smallrye.mutiny.Uni;

/**
 * Applies what Finch said about a connection, or the employer's return, under the connection's row lock, in the
 * caller's transaction: the lifecycle decides, this counts the episodes it opens and closes. The row lock also
 * serialises all events of one connection.
 */
@ApplicationScoped
public class ConnectionStatusService {

    private static final Logger LOG = Logger.getLogger(ConnectionStatusService.class);

    private final ConnectionLifecycle lifecycle;
    private final ReauthMetrics metrics;

    ConnectionStatusService(ConnectionLifecycle lifecycle, ReauthMetrics metrics) {
        this.lifecycle = lifecycle;
        this.metrics = metrics;
    }

    /**
     * The lifecycle's decision; {@code applied}: it published an event or changed more than Finch's record of the
     * connection's syncs.
     */
    public record Applied(Decision decision, boolean applied) {
    }

    /**
     * Returns what the input did, or {@code null} for an unknown connection. An observation asked at a version of the
     * row older than its current one is not applied ({@link Decision.Kind#STALE}), as it may say less than the change
     * made since knew.
     */
    public Uni<Applied> apply(String connectionId, LifecycleInput input, Cause cause) {
        return Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE)
                .onItem().ifNotNull().transformToUni(connection -> {
                    LifecycleState before = ConnectionLifecycle.stateOf(connection);
                    return apply(connection, input, cause).map(decision -> new Applied(decision,
                            decision.kind() == Decision.Kind.CHANGED && (!decision.events().isEmpty()
                                    || before.changedBeyondSyncs(decision.state()))));
                });
    }

    /**
     * The employer completed Connect for the connection (the callback's code exchange renewed the token, granting
     * {@code entityIds}): an open episode ends with {@code reauthenticated}. The caller's transaction holds the row
     * lock. Returns whether an episode ended.
     */
    public Uni<Boolean> employerCameBack(Connection connection, List<String> entityIds, OffsetDateTime at) {
        return apply(connection, new LifecycleInput.EmployerCameBack(entityIds), Cause.at(at)).map(Decision::closesEpisode);
    }

    private Uni<Decision> apply(Connection connection, LifecycleInput input, Cause cause) {
        LifecycleState before = ConnectionLifecycle.stateOf(connection);
        OffsetDateTime detectedAt = connection.reauthDetectedAt;
        return lifecycle.apply(connection, input, cause).invoke(decision -> {
            if (decision.opensEpisode(before)) {
                metrics.opened();
            }
            if (decision.closesEpisode()) {
                metrics.closed(detectedAt == null ? null : Duration.between(detectedAt, cause.at()));
            }
            if (decision.state().status() != before.status()) {
                LOG.infof("Connection %s: %s -> %s (%s)", connection.connectionId, before.status().finchName(),
                        decision.state().status().finchName(), input.name());
            }
        });
    }
}
