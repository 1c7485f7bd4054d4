package io.finchconnect.reauth;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

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
     * Returns the transition applied, or {@code null} for an unknown connection. {@code next} is Finch's status
     * (already the worst of its entities', each of which is stored whether or not the connection's own status
     * changes), as Finch gave it when asked at the row's version {@code askedAt}: after a later change it is not
     * applied ({@link StatusTransition.Kind#STALE}), as it may say less than that change knew. {@code observedAt}
     * is when this service learnt it; recorded, never compared. {@code reason} is what the {@code reauth_needed}
     * event says, should this start a reauth episode; {@code headers} (the trace of the request that brought the
     * hint) go with the event.
     */
    public Uni<StatusTransition> apply(String connectionId, ConnectionStatus next, List<EntityStatuses.Entity> entities,
                                       int askedAt, OffsetDateTime observedAt, String sourceEventId, String reason,
                                       Map<String, String> headers) {
        return Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE)
                .onItem().ifNotNull().transformToUni(connection -> connection.version != askedAt
                        ? Uni.createFrom().item(StatusTransition.stale(connection.status))
                        : apply(connection, next, entities, observedAt, sourceEventId, reason, headers));
    }

    private Uni<StatusTransition> apply(Connection connection, ConnectionStatus next, List<EntityStatuses.Entity> entities,
                                        OffsetDateTime observedAt, String sourceEventId, String reason,
                                        Map<String, String> headers) {
        List<Removed> removed = List.of();
        if (!entities.isEmpty() && connection.status != ConnectionStatus.DISCONNECTED) {
            String[] statuses = EntityStatuses.alignedWith(connection.entityIds, entities);
            if (!Arrays.equals(statuses, connection.entityStatuses)) {
                if (next == ConnectionStatus.DISCONNECTED) {
                    // Every entity gone is the connection's end: one connection-level event, below.
                    connection.entityStatuses = statuses;
                } else {
                    removed = removeDisconnectedEntities(connection, statuses);
                }
                connection.updatedAt = OffsetDateTime.now();
            }
        }
        if (next != ConnectionStatus.DISCONNECTED) {
            // Asked after the operator's intent was recorded (the version says so), Finch still has the connection
            // and the entities it shows attached: the calls whose answers were lost did not disconnect them, and a
            // later disconnect of them is Finch's own.
            connection.disconnectRequestedAt = null;
            connection.disconnectRequestedEntityIds = new String[0];
        }
        Uni<Void> entityEvents = announceRemoved(connection, removed, observedAt, headers);
        boolean openBefore = connection.reauthOpen || connection.status.needsEmployer();
        StatusTransition transition = StatusTransition.decide(connection.status, next, openBefore);
        if (transition.kind() != StatusTransition.Kind.APPLIED) {
            return entityEvents.replaceWith(transition);
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
        return entityEvents.chain(() -> publish(connection, transition, observedAt, sourceEventId, headers))
                .invoke(() -> metrics.transitioned(transition, detectedAt == null ? null
                        : Duration.between(detectedAt, observedAt)))
                .replaceWith(transition);
    }

    /** Entities Finch shows disconnected while the connection stays; {@code byOperator}: an operator asked for it. */
    private record Removed(List<String> entityIds, boolean byOperator) {
    }

    /**
     * Stores Finch's entity statuses, moving the entities it newly shows disconnected (the connection staying) to
     * the disconnected ones: announced once each, by the operator where one asked Finch for it (an answer lost on
     * its way back, or the observation overtaking it), else by Finch.
     */
    private static List<Removed> removeDisconnectedEntities(Connection connection, String[] statuses) {
        List<String> gone = EntityStatuses.newlyDisconnected(connection.entityIds, connection.entityStatuses, statuses);
        List<String> kept = Arrays.stream(connection.entityIds).filter(id -> !gone.contains(id)).toList();
        String[] keptIds = kept.toArray(String[]::new);
        connection.entityStatuses = EntityStatuses.ofRemaining(connection.entityIds, statuses, keptIds);
        connection.entityIds = keptIds;
        if (gone.isEmpty()) {
            return List.of();
        }
        List<String> disconnected = new ArrayList<>(List.of(connection.disconnectedEntityIds));
        disconnected.addAll(gone);
        connection.disconnectedEntityIds = disconnected.toArray(String[]::new);
        List<String> asked = List.of(connection.disconnectRequestedEntityIds);
        List<String> byOperator = gone.stream().filter(asked::contains).toList();
        List<String> byFinch = gone.stream().filter(id -> !asked.contains(id)).toList();
        return Stream.of(new Removed(byOperator, true), new Removed(byFinch, false))
                .filter(entry -> !entry.entityIds().isEmpty()).toList();
    }

    private Uni<Void> announceRemoved(Connection connection, List<Removed> removed, OffsetDateTime at,
                                      Map<String, String> headers) {
        Uni<Void> written = Uni.createFrom().voidItem();
        for (Removed entry : removed) {
            LOG.infof("Connection %s: entities %s disconnected (by %s)", connection.connectionId, entry.entityIds(),
                    entry.byOperator() ? "operator" : "finch");
            written = written.chain(() -> outbox.write(connection.connectionId, ConnectionEvents.DISCONNECTED,
                    new ConnectionEvents.Disconnected(connection.connectionId, connection.customerId, at, entry.entityIds(),
                            entry.byOperator() ? "operator" : "finch", connection.statusNow(), connection.entitiesNow()),
                    headers)).replaceWithVoid();
        }
        return written;
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
                new ConnectionEvents.Reauthenticated(connection.connectionId, connection.customerId, at,
                        connection.statusNow(), connection.entitiesNow())).replaceWith(true);
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
                    connection.reauthReason, EntityStatuses.concerned(connection.entityIds, connection.entityStatuses), null,
                    connection.statusNow(), connection.entitiesNow());
            case ConnectionEvents.REAUTHENTICATED -> new ConnectionEvents.Reauthenticated(connection.connectionId,
                    connection.customerId, at, connection.statusNow(), connection.entitiesNow());
            case ConnectionEvents.DISCONNECTED -> new ConnectionEvents.Disconnected(connection.connectionId,
                    connection.customerId, at, entities,
                    connection.disconnectRequestedAt == null ? "finch" : "operator", connection.statusNow(),
                    connection.entitiesNow());
            default -> throw new IllegalStateException("No event data for " + transition.eventType());
        };
        return outbox.write(connection.connectionId, transition.eventType(), data, headers);
    }
}
