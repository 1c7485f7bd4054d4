package io.finchconnect.connection;

import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.finchconnect.connection.events.ConnectionEvents;
import io.finchconnect.outbox.Outbox;
import io.smallrye.mutiny.Uni;

/**
 * Applies the status Finch gives for a connection under its row lock and writes the matching event to the
 * outbox, both in the caller's transaction. The row lock also serialises all events of one connection.
 */
@ApplicationScoped
public class ConnectionStatusService {

    private final Outbox outbox;

    ConnectionStatusService(Outbox outbox) {
        this.outbox = outbox;
    }

    /**
     * Returns the transition applied, or {@code null} for an unknown connection. {@code observedAt} is when this
     * service learnt the status from Finch; it is recorded, never compared.
     */
    public Uni<StatusTransition> apply(String connectionId, ConnectionStatus next, OffsetDateTime observedAt,
                                       String sourceEventId) {
        return Connection.<Connection>findById(connectionId, LockModeType.PESSIMISTIC_WRITE)
                .onItem().ifNotNull().transformToUni(connection -> apply(connection, next, observedAt, sourceEventId));
    }

    private Uni<StatusTransition> apply(Connection connection, ConnectionStatus next, OffsetDateTime observedAt,
                                        String sourceEventId) {
        StatusTransition transition = StatusTransition.decide(connection.status, next);
        if (transition.kind() != StatusTransition.Kind.APPLIED) {
            return Uni.createFrom().item(transition);
        }
        connection.status = next;
        connection.statusChangedAt = observedAt;
        connection.updatedAt = OffsetDateTime.now();
        if (transition.entersReauth()) {
            connection.reauthEpisode++;
            connection.reauthAttempts = 0;
            connection.reauthNextAttemptAt = null;
            connection.reauthSourceEventId = sourceEventId;
            connection.reauthDetectedAt = observedAt;
        }
        return publish(connection, transition, observedAt, sourceEventId).replaceWith(transition);
    }

    private Uni<?> publish(Connection connection, StatusTransition transition, OffsetDateTime at, String sourceEventId) {
        if (transition.eventType() == null) {
            return Uni.createFrom().voidItem();
        }
        Object data = switch (transition.eventType()) {
            case StatusTransition.REAUTH_NEEDED -> new ConnectionEvents.ReauthNeeded(connection.connectionId,
                    connection.customerId, connection.companyId, connection.providerId, at, sourceEventId, null);
            case StatusTransition.REAUTHENTICATED -> new ConnectionEvents.Reauthenticated(connection.connectionId,
                    connection.customerId, at);
            case StatusTransition.DISCONNECTED -> new ConnectionEvents.Disconnected(connection.connectionId,
                    connection.customerId, at);
            default -> throw new IllegalStateException("No event data for " + transition.eventType());
        };
        return outbox.write(connection.connectionId, transition.eventType(), data);
    }
}
