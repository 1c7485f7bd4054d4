package io.finchconnect.connection;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.connection.events.ConnectionEvents;
import io.finchconnect.connection.events.Established;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.finchconnect.lifecycle.Decision;
import io.finchconnect.lifecycle.Lifecycle;
import io.finchconnect.lifecycle.LifecycleEvent;
import io.finchconnect.lifecycle.LifecycleInput;
import io.finchconnect.lifecycle.LifecycleState;
import io.finchconnect.outbox.Outbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Runs the lifecycle ({@link Lifecycle}) on a stored connection: reads its state from the row, asks the lifecycle
 * what an input does to it, writes the new state back to the row and the events to the outbox, in the caller's
 * transaction, which holds the row's lock. Nothing here decides a status or an event.
 */
@ApplicationScoped
public class ConnectionLifecycle {

    private final Lifecycle lifecycle;
    private final Outbox outbox;

    ConnectionLifecycle(Lifecycle lifecycle, Outbox outbox) {
        this.lifecycle = lifecycle;
        this.outbox = outbox;
    }

    /**
     * Why the input came and what its events carry besides the state: when it happened, the Finch event or request
     * behind it and what a new episode's {@code reauth_needed} gives as its reason, the trace headers, the session a
     * {@code SessionCreated} announces with the episode's durable link, and the customer's name for {@code established}.
     */
    public record Cause(OffsetDateTime at, String sourceEventId, String reason, Map<String, String> headers,
                        ConnectionEvents.ReauthSession session, ConnectionEvents.ReauthLink reauthLink, String customerName) {

        public Cause(OffsetDateTime at, String sourceEventId, String reason, Map<String, String> headers,
                     ConnectionEvents.ReauthSession session, String customerName) {
            this(at, sourceEventId, reason, headers, session, null, customerName);
        }

        public static Cause at(OffsetDateTime at) {
            return new Cause(at, null, null, Map.of(), null, null);
        }

        public Cause withSession(ConnectionEvents.ReauthSession created, ConnectionEvents.ReauthLink link) {
            return new Cause(at, sourceEventId, reason, headers, created, link, customerName);
        }
    }

    public static LifecycleState stateOf(Connection connection) {
        Map<String, ConnectionStatus> attached = new LinkedHashMap<>();
        for (String id : connection.entityIds) {
            String status = connection.entityStatuses.get(id);
            attached.put(id, status == null ? connection.status : ConnectionStatus.fromFinch(status).orElse(connection.status));
        }
        return new LifecycleState(connection.status, attached, List.of(connection.disconnectedEntityIds),
                connection.reauthEpisode, connection.reauthOpen || connection.status.needsEmployer(),
                connection.reauthRequestedAt != null, connection.disconnectRequestedAt != null,
                new LinkedHashSet<>(List.of(connection.disconnectRequestedEntityIds)),
                connection.disconnectSuspectedAt == null ? null : connection.disconnectSuspectedAt.toInstant(),
                connection.version, connection.lastSuccessfulSync == null ? null : connection.lastSuccessfulSync.toInstant(),
                connection.staleSince != null);
    }

    /** What {@code input} would do to the connection, without writing it. */
    public Decision decide(Connection connection, LifecycleInput input) {
        return lifecycle.decide(stateOf(connection), input);
    }

    /** Decides, writes the new state onto the row and the events to the outbox; returns the decision. */
    public Uni<Decision> apply(Connection connection, LifecycleInput input, Cause cause) {
        LifecycleState before = stateOf(connection);
        Decision decision = lifecycle.decide(before, input);
        return write(connection, before, decision, cause);
    }

    /** A connection Finch just granted with {@code entityIds}: its state and its {@code established} event (the row is new). */
    public Uni<Decision> establish(Connection connection, List<String> entityIds, Cause cause) {
        Decision decision = lifecycle.establish(entityIds);
        connection.status = decision.state().status();
        connection.statusChangedAt = cause.at();
        return write(connection, decision.state(), decision, cause);
    }

    private Uni<Decision> write(Connection connection, LifecycleState before, Decision decision, Cause cause) {
        if (decision.kind() != Decision.Kind.CHANGED) {
            return Uni.createFrom().item(decision);
        }
        store(connection, before, decision, cause);
        Uni<Void> written = Uni.createFrom().voidItem();
        for (LifecycleEvent event : decision.events()) {
            // Each event goes into the connection's history with its outbox row, in the same transaction.
            written = written.chain(() -> publish(connection, event, cause))
                    .chain(eventId -> Panache.getSession().chain(session -> ConnectionHistoryStore.append(session, eventId)));
        }
        return written.replaceWith(decision);
    }

    private static void store(Connection connection, LifecycleState before, Decision decision, Cause cause) {
        LifecycleState state = decision.state();
        if (!state.equals(before)) {
            connection.updatedAt = OffsetDateTime.now();
        }
        if (state.status() != connection.status) {
            connection.status = state.status();
            connection.statusChangedAt = cause.at();
        }
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            // Finch no longer takes it: kept, it would only be a liability.
            connection.tokenKeyId = null;
            connection.tokenCiphertext = null;
            connection.tokenFormat = null;
        }
        connection.entityIds = state.attached().keySet().toArray(String[]::new);
        Map<String, String> statuses = new LinkedHashMap<>();
        state.attached().forEach((id, status) -> statuses.put(id, status.finchName()));
        connection.entityStatuses = statuses;
        connection.disconnectedEntityIds = state.removed().toArray(String[]::new);
        connection.reauthEpisode = state.episode();
        connection.reauthOpen = state.episodeOpen();
        if (!state.episodeRequested()) {
            connection.reauthRequestedAt = null;
        } else if (connection.reauthRequestedAt == null) {
            connection.reauthRequestedAt = cause.at();
        }
        if (!state.disconnectRequested()) {
            connection.disconnectRequestedAt = null;
        } else if (connection.disconnectRequestedAt == null) {
            connection.disconnectRequestedAt = cause.at();
        }
        connection.disconnectRequestedEntityIds = state.disconnectRequestedEntities().toArray(String[]::new);
        connection.disconnectSuspectedAt = state.disconnectSuspectedSince() == null ? null
                : state.disconnectSuspectedSince().atOffset(ZoneOffset.UTC);
        connection.lastSuccessfulSync = state.lastSuccessfulSync() == null ? null
                : state.lastSuccessfulSync().atOffset(ZoneOffset.UTC);
        if (!state.stale()) {
            connection.staleSince = null;
        } else if (connection.staleSince == null) {
            connection.staleSince = cause.at();
        }
        if (decision.opensEpisode(before)) {
            connection.reauthAttempts = 0;
            connection.reauthNextAttemptAt = null;
            connection.reauthSourceEventId = cause.sourceEventId();
            connection.reauthDetectedAt = cause.at();
            connection.reauthReason = cause.reason();
        }
    }

    private Uni<UUID> publish(Connection connection, LifecycleEvent event, Cause cause) {
        LifecycleState now = stateOf(connection);
        String status = now.status().finchName();
        List<ConnectionEvents.EntityStatus> entities = ConnectionEvents.EntityStatus.of(now.entities());
        String id = connection.connectionId;
        if (event instanceof LifecycleEvent.Established) {
            return outbox.write(id, ConnectionEvents.ESTABLISHED, new Established(id, connection.customerId,
                    cause.customerName(), connection.companyId, connection.providerId, List.of(connection.products),
                    connection.connectionType, List.of(connection.entityIds), cause.at(), status, entities));
        }
        if (event instanceof LifecycleEvent.ReauthNeeded needed) {
            return outbox.write(id, ConnectionEvents.REAUTH_NEEDED, new ConnectionEvents.ReauthNeeded(id,
                    connection.customerId, connection.companyId, connection.providerId, connection.reauthDetectedAt,
                    connection.reauthSourceEventId, connection.reauthReason, needed.entityIds(),
                    needed.withSession() ? cause.session() : null, needed.withSession() ? cause.reauthLink() : null, status,
                    entities), cause.headers());
        }
        if (event instanceof LifecycleEvent.Reauthenticated) {
            return outbox.write(id, ConnectionEvents.REAUTHENTICATED, new ConnectionEvents.Reauthenticated(id,
                    connection.customerId, cause.at(), status, entities), cause.headers());
        }
        if (event instanceof LifecycleEvent.DataSynced synced) {
            return outbox.write(id, ConnectionEvents.DATA_SYNCED, new ConnectionEvents.DataSynced(id, connection.customerId,
                    synced.kind(), synced.jobId(), synced.jobUrl(), synced.entityId(), cause.at(), status, entities),
                    cause.headers());
        }
        if (event instanceof LifecycleEvent.Stale stale) {
            return outbox.write(id, ConnectionEvents.STALE, new ConnectionEvents.Stale(id, connection.customerId,
                    stale.lastSuccessfulSync().atOffset(ZoneOffset.UTC), status, entities), cause.headers());
        }
        LifecycleEvent.Disconnected disconnected = (LifecycleEvent.Disconnected) event;
        return outbox.write(id, ConnectionEvents.DISCONNECTED, new ConnectionEvents.Disconnected(id, connection.customerId,
                cause.at(), new ArrayList<>(disconnected.entityIds()), disconnected.byOperator() ? "operator" : "finch",
                status, entities), cause.headers());
    }
}
