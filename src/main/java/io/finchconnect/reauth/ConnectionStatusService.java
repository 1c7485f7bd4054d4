package io.finchconnect.reauth;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.connection.EntityStatuses;
import io.finchconnect.connection.events.ConnectionEvents;
import io.finchconnect.outbox.Outbox;
import io.smallrye.mutiny.Uni;

/**
 * Applies the status Finch gives for a connection under its row lock and writes the matching event to the
 * outbox, both in the caller's transaction. The row lock also serialises all events of one connection.
 */
@ApplicationScoped
public class ConnectionStatusService {

    private static final Logger LOG = Logger.getLogger(ConnectionStatusService.class);

    private final Outbox outbox;
    private final ReauthMetrics metrics;

    ConnectionStatusService(Outbox outbox, ReauthMetrics metrics) {
        this.outbox = outbox;
        this.metrics = metrics;
    }

    /**
     * Returns the transition applied, or {@code null} for an unknown connection. {@code observedAt} is when this
     * service learnt the status from Finch; it is recorded, never compared. {@code reason} is what the
     * {@code reauth_needed} event says, should this start a reauth episode; {@code headers} (the trace of the
     * request that brought the hint) go with the event.
     */
    public Uni<StatusTransition> apply(String connectionId, ConnectionStatus next, OffsetDateTime observedAt,
                                       String sourceEventId, String reason, Map<String, String> headers) {
        return apply(connectionId, next, List.of(), observedAt, sourceEventId, reason, headers);
    }

    /**
     * As above, with each entity's status as Finch gave it ({@code next} is already their worst): the statuses
     * are stored whether or not the connection's own status changes, and a {@code reauth_needed} event names the
     * entities that need the employer.
     */
    public Uni<StatusTransition> apply(String connectionId, ConnectionStatus next, List<EntityStatuses.Entity> entities,
                                       OffsetDateTime observedAt, String sourceEventId, String reason,
                                       Map<String, String> headers) {
        return Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE)
                .onItem().ifNotNull().transformToUni(connection -> apply(connection, next, entities, observedAt,
                        sourceEventId, reason, headers));
    }

    private Uni<StatusTransition> apply(Connection connection, ConnectionStatus next, List<EntityStatuses.Entity> entities,
                                        OffsetDateTime observedAt, String sourceEventId, String reason,
                                        Map<String, String> headers) {
        if (!entities.isEmpty() && connection.status != ConnectionStatus.DISCONNECTED) {
            String[] statuses = EntityStatuses.alignedWith(connection.entityIds, entities);
            if (!java.util.Arrays.equals(statuses, connection.entityStatuses)) {
                connection.entityStatuses = statuses;
                connection.updatedAt = OffsetDateTime.now();
            }
        }
        boolean openBefore = connection.reauthOpen || connection.status.needsEmployer();
        StatusTransition transition = StatusTransition.decide(connection.status, next, openBefore);
        if (transition.kind() != StatusTransition.Kind.APPLIED) {
            return Uni.createFrom().item(transition);
        }
        OffsetDateTime detectedAt = connection.reauthDetectedAt;
        connection.status = next;
        connection.statusChangedAt = observedAt;
        connection.updatedAt = OffsetDateTime.now();
        if (transition.entersReauth() || next == ConnectionStatus.DISCONNECTED) {
            // Finch's status supersedes an episode the API opened: a new one begins, or the connection ended.
            connection.reauthRequestedAt = null;
        }
        // pending and processing keep what was open: the employer may be in Connect for the episode.
        connection.reauthOpen = next.needsEmployer()
                || (openBefore && (next == ConnectionStatus.PENDING || next == ConnectionStatus.PROCESSING));
        if (transition.entersReauth()) {
            connection.reauthEpisode++;
            connection.reauthAttempts = 0;
            connection.reauthNextAttemptAt = null;
            connection.reauthSourceEventId = sourceEventId;
            connection.reauthDetectedAt = observedAt;
            connection.reauthReason = reason;
        }
        return publish(connection, transition, observedAt, sourceEventId, headers)
                .invoke(() -> metrics.transitioned(transition, detectedAt == null ? null
                        : Duration.between(detectedAt, observedAt)))
                .replaceWith(transition);
    }

    /**
     * The employer completed a reauthentication session (the callback's code exchange renewed the token): a
     * connection that needed the employer is {@code connected} again and {@code reauthenticated} is announced, in
     * the caller's transaction, which holds the connection's row lock. Returns whether an episode ended.
     */
    public Uni<Boolean> employerCameBack(Connection connection, OffsetDateTime at) {
        if (!connection.status.needsEmployer() && !connection.reauthOpen) {
            return connection.reauthRequestedAt == null ? Uni.createFrom().item(false) : closeRequested(connection, at);
        }
        StatusTransition transition = StatusTransition.decide(connection.status, ConnectionStatus.CONNECTED, true);
        connection.reauthOpen = false;
        metrics.transitioned(transition, connection.reauthDetectedAt == null ? null
                : Duration.between(connection.reauthDetectedAt, at));
        connection.status = ConnectionStatus.CONNECTED;
        connection.statusChangedAt = at;
        LOG.infof("Connection %s reauthenticated", connection.connectionId);
        return publish(connection, transition, at, null, Map.of()).replaceWith(true);
    }

    /** An episode the API opened on a healthy connection ends as the others do: with {@code reauthenticated}. */
    private Uni<Boolean> closeRequested(Connection connection, OffsetDateTime at) {
        metrics.closed(Duration.between(connection.reauthRequestedAt, at));
        connection.reauthRequestedAt = null;
        LOG.infof("Connection %s reauthenticated (requested episode %d)", connection.connectionId, connection.reauthEpisode);
        return outbox.write(connection.connectionId, ConnectionEvents.REAUTHENTICATED,
                new ConnectionEvents.Reauthenticated(connection.connectionId, connection.customerId, at)).replaceWith(true);
    }

    private Uni<?> publish(Connection connection, StatusTransition transition, OffsetDateTime at, String sourceEventId,
                           Map<String, String> headers) {
        if (transition.eventType() == null) {
            return Uni.createFrom().voidItem();
        }
        List<String> entities = List.of(connection.entityIds);
        Object data = switch (transition.eventType()) {
            case ConnectionEvents.REAUTH_NEEDED -> new ConnectionEvents.ReauthNeeded(connection.connectionId,
                    connection.customerId, connection.companyId, connection.providerId, at, sourceEventId,
                    connection.reauthReason, EntityStatuses.concerned(connection.entityIds, connection.entityStatuses), null);
            case ConnectionEvents.REAUTHENTICATED -> new ConnectionEvents.Reauthenticated(connection.connectionId,
                    connection.customerId, at);
            case ConnectionEvents.DISCONNECTED -> new ConnectionEvents.Disconnected(connection.connectionId,
                    connection.customerId, at, entities,
                    connection.disconnectRequestedAt == null ? "finch" : "operator");
            default -> throw new IllegalStateException("No event data for " + transition.eventType());
        };
        return outbox.write(connection.connectionId, transition.eventType(), data, headers);
    }
}
