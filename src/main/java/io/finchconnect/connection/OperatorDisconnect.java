package io.finchconnect.connection;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.events.ConnectionEvents;
import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenVault;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.FinchRejectedException;
import io.finchconnect.finch.client.FinchUnavailableException;
import io.finchconnect.outbox.Outbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * An operator ends a connection at Finch ({@code /disconnect}) or removes some of its entities
 * ({@code /disconnect-entity}). Three steps, none holding a database connection while Finch answers: record the
 * intent and read the token; call Finch; record the outcome and its event. The intent makes the
 * {@code account.updated} Finch fires meanwhile announce the disconnect as the operator's, and whichever of the
 * two commits first emits the one {@code disconnected} event. Repeating a finished disconnect calls no one.
 */
@ApplicationScoped
public class OperatorDisconnect {

    private final TokenVault vault;
    private final FinchGateway finch;
    private final Outbox outbox;

    OperatorDisconnect(TokenVault vault, FinchGateway finch, Outbox outbox) {
        this.vault = vault;
        this.finch = finch;
        this.outbox = outbox;
    }

    /** The connection after the disconnect: what is still attached and what was removed. */
    public record Outcome(String connectionId, String customerId, String status, List<String> entityIds,
                          List<String> disconnectedEntityIds) {

        static Outcome of(Connection connection) {
            return new Outcome(connection.connectionId, connection.customerId, connection.status.finchName(),
                    List.of(connection.entityIds), List.of(connection.disconnectedEntityIds));
        }
    }

    /**
     * {@code done} set: nothing left to do. {@code pending} null: the whole connection. {@code intentRecorded}: this
     * call recorded the operator's intent ({@code disconnect_requested_at}) before asking Finch.
     */
    private record Plan(Outcome done, String token, List<String> pending, boolean intentRecorded) {
    }

    /** {@code entityIds} null disconnects the whole connection. */
    public Uni<Outcome> disconnect(String connectionId, List<String> entityIds) {
        return Panache.withTransaction(() -> Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE)
                        .map(connection -> plan(connectionId, connection, entityIds)))
                .chain(plan -> plan.done() != null ? Uni.createFrom().item(plan.done())
                        : callFinch(plan)
                                .onFailure(failure -> plan.intentRecorded() && notDoneByFinch(failure))
                                .call(() -> Panache.withTransaction(() -> withdrawIntent(connectionId, plan.pending())))
                                .chain(() -> Panache.withTransaction(() -> record(connectionId, plan.pending()))));
    }

    /**
     * Finch answered without disconnecting, or was never asked: the operator's intent is withdrawn, so a later
     * disconnect by Finch is announced as Finch's. When the answer was lost (a timeout, a 5xx after the request was
     * sent) the intent stays, and the next observation of the connection settles it (ConnectionStatusService).
     */
    private static boolean notDoneByFinch(Throwable failure) {
        return failure instanceof FinchRejectedException
                || failure instanceof FinchUnavailableException unavailable && !unavailable.mayHaveBeenProcessed();
    }

    private Uni<Void> withdrawIntent(String connectionId, List<String> entityIds) {
        return Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE).invoke(connection -> {
            if (connection != null && connection.status != ConnectionStatus.DISCONNECTED) {
                connection.disconnectRequestedAt = null;
                connection.disconnectRequestedEntityIds = entityIds == null ? new String[0]
                        : without(connection.disconnectRequestedEntityIds, entityIds);
            }
        }).replaceWithVoid();
    }

    private static String[] without(String[] ids, List<String> removed) {
        return Arrays.stream(ids).filter(id -> !removed.contains(id)).toArray(String[]::new);
    }

    private Plan plan(String connectionId, Connection connection, List<String> requested) {
        if (connection == null) {
            throw new UnknownResourceException("No connection " + connectionId);
        }
        List<String> pending = null;
        if (requested != null) {
            Set<String> known = new LinkedHashSet<>(List.of(connection.entityIds));
            known.addAll(List.of(connection.disconnectedEntityIds));
            List<String> unknown = requested.stream().filter(id -> !known.contains(id)).toList();
            if (!unknown.isEmpty()) {
                throw new InvalidRequestException("entity_ids", "Not entities of connection " + connectionId + ": "
                        + String.join(", ", unknown));
            }
            List<String> attached = List.of(connection.entityIds);
            pending = requested.stream().filter(attached::contains).toList();
        }
        if (connection.status == ConnectionStatus.DISCONNECTED || (pending != null && pending.isEmpty())) {
            return new Plan(Outcome.of(connection), null, null, false);
        }
        boolean recordsIntent = (pending == null || pending.containsAll(List.of(connection.entityIds)))
                && connection.disconnectRequestedAt == null;
        if (recordsIntent) {
            connection.disconnectRequestedAt = OffsetDateTime.now();
        }
        if (pending != null) {
            Set<String> asked = new LinkedHashSet<>(List.of(connection.disconnectRequestedEntityIds));
            recordsIntent |= asked.addAll(pending);
            connection.disconnectRequestedEntityIds = asked.toArray(String[]::new);
        }
        String token = vault.decrypt(connection.connectionId,
                EncryptedToken.stored(connection.tokenKeyId, connection.tokenCiphertext, connection.tokenFormat));
        return new Plan(null, token, pending, recordsIntent);
    }

    private Uni<Void> callFinch(Plan plan) {
        if (plan.pending() != null) {
            return finch.disconnectEntities(plan.token(), plan.pending());
        }
        // A plain 401 means Finch no longer knows the token: an earlier attempt ended the connection and its
        // answer was lost (a connection's tokens stay valid until it is disconnected).
        return finch.disconnect(plan.token()).onFailure(FinchRejectedException.class)
                .recoverWithUni(failure -> {
                    FinchRejectedException refusal = (FinchRejectedException) failure;
                    return refusal.finchStatus() == 401 && !refusal.requiresReauthentication()
                            ? Uni.createFrom().voidItem() : Uni.createFrom().failure(refusal);
                });
    }

    private Uni<Outcome> record(String connectionId, List<String> pending) {
        OffsetDateTime now = OffsetDateTime.now();
        if (pending == null) {
            return Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE)
                    .chain(connection -> disconnectWhole(connection, now));
        }
        return Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE).chain(connection -> {
            connection.disconnectRequestedEntityIds = without(connection.disconnectRequestedEntityIds, pending);
            List<String> removed = pending.stream().filter(List.of(connection.entityIds)::contains).toList();
            if (removed.isEmpty() || connection.status == ConnectionStatus.DISCONNECTED) {
                // Nothing left to remove, or Finch's own word that the connection ended was announced first.
                return Uni.createFrom().item(Outcome.of(connection));
            }
            List<String> attached = new ArrayList<>(List.of(connection.entityIds));
            attached.removeAll(removed);
            List<String> gone = new ArrayList<>(List.of(connection.disconnectedEntityIds));
            gone.addAll(removed);
            String[] remaining = attached.toArray(String[]::new);
            connection.entityStatuses = EntityStatuses.ofRemaining(connection.entityIds, connection.entityStatuses, remaining);
            connection.entityIds = remaining;
            connection.disconnectedEntityIds = gone.toArray(String[]::new);
            connection.updatedAt = now;
            if (attached.isEmpty() && connection.status != ConnectionStatus.DISCONNECTED) {
                connection.status = ConnectionStatus.DISCONNECTED;
                connection.statusChangedAt = now;
                connection.reauthRequestedAt = null;
                connection.reauthOpen = false;
            }
            return outbox.write(connectionId, ConnectionEvents.DISCONNECTED, new ConnectionEvents.Disconnected(connectionId,
                    connection.customerId, now, removed, "operator", connection.statusNow(), connection.entitiesNow()))
                    .map(id -> Outcome.of(connection));
        });
    }

    /** Finch ended the connection: recorded, and announced unless a webhook's introspection got there first. */
    private Uni<Outcome> disconnectWhole(Connection connection, OffsetDateTime now) {
        if (connection.status == ConnectionStatus.DISCONNECTED) {
            return Uni.createFrom().item(Outcome.of(connection));
        }
        connection.status = ConnectionStatus.DISCONNECTED;
        connection.statusChangedAt = now;
        connection.updatedAt = now;
        connection.reauthRequestedAt = null;
        connection.reauthOpen = false;
        return outbox.write(connection.connectionId, ConnectionEvents.DISCONNECTED, new ConnectionEvents.Disconnected(
                connection.connectionId, connection.customerId, now, List.of(connection.entityIds), "operator",
                connection.statusNow(), connection.entitiesNow()))
                .map(id -> Outcome.of(connection));
    }
}
