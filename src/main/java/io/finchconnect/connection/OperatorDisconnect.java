package io.finchconnect.connection;

import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.ConnectionLifecycle.Cause;
import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenVault;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.FinchRejectedException;
import io.finchconnect.finch.client.FinchUnavailableException;
import io.finchconnect.lifecycle.Decision;
import io.finchconnect.lifecycle.LifecycleInput;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.finchconnect.lifecycle.ConnectionStatus;

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
    private final ConnectionLifecycle lifecycle;

    OperatorDisconnect(TokenVault vault, FinchGateway finch, ConnectionLifecycle lifecycle) {
        this.vault = vault;
        this.finch = finch;
        this.lifecycle = lifecycle;
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
     * call recorded the operator's intent before asking Finch.
     */
    private record Plan(Outcome done, String token, List<String> pending, boolean intentRecorded) {
    }

    /** {@code entityIds} null disconnects the whole connection. */
    public Uni<Outcome> disconnect(String connectionId, List<String> entityIds) {
        return Panache.withTransaction(() -> Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE)
                        .chain(connection -> plan(connectionId, connection, entityIds)))
                .chain(plan -> plan.done() != null ? Uni.createFrom().item(plan.done())
                        : callFinch(plan)
                                .onFailure(failure -> plan.intentRecorded() && notDoneByFinch(failure))
                                .call(() -> Panache.withTransaction(() -> settle(connectionId, plan.pending(), false)))
                                .chain(() -> Panache.withTransaction(() -> settle(connectionId, plan.pending(), true))));
    }

    /**
     * Finch answered without disconnecting, or was never asked: the operator's intent is withdrawn, so a later
     * disconnect by Finch is announced as Finch's. When the answer was lost (a timeout, a 5xx after the request was
     * sent) the intent stays, and the next observation of the connection settles it (the lifecycle).
     */
    private static boolean notDoneByFinch(Throwable failure) {
        return failure instanceof FinchRejectedException
                || failure instanceof FinchUnavailableException unavailable && !unavailable.mayHaveBeenProcessed();
    }

    private Uni<Plan> plan(String connectionId, Connection connection, List<String> requested) {
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
            pending = requested.stream().filter(attached::contains).distinct().toList();
        }
        if (connection.status == ConnectionStatus.DISCONNECTED || (pending != null && pending.isEmpty())) {
            return Uni.createFrom().item(new Plan(Outcome.of(connection), null, null, false));
        }
        List<String> asked = pending;
        return lifecycle.apply(connection, new LifecycleInput.DisconnectIntent(asked), Cause.at(OffsetDateTime.now()))
                .map(decision -> new Plan(null, vault.decrypt(connection.connectionId, EncryptedToken.stored(
                        connection.tokenKeyId, connection.tokenCiphertext, connection.tokenFormat)), asked,
                        decision.kind() == Decision.Kind.CHANGED));
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

    /** Finch's answer, {@code done} or not, recorded with its event (the lifecycle decides which, if any). */
    private Uni<Outcome> settle(String connectionId, List<String> pending, boolean done) {
        return Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE)
                .chain(connection -> lifecycle.apply(connection, new LifecycleInput.DisconnectOutcome(pending, done),
                                Cause.at(OffsetDateTime.now()))
                        .map(decision -> Outcome.of(connection)));
    }
}
