package io.finchconnect.reauth;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.connection.Connection;
import io.finchconnect.connection.EntityStatuses;
import io.finchconnect.connection.events.ConnectionEvents;
import io.finchconnect.outbox.Outbox;
import io.finchconnect.reauth.ReauthSessionStore.CreatedSession;
import io.smallrye.mutiny.Uni;

/**
 * The {@code finch.connection.reauth_needed} event that hands out an episode's session, whoever made it (the
 * sweeper, or a caller of the API), in the transaction that stored the session.
 */
@ApplicationScoped
public class ReauthAnnouncer {

    private static final Logger LOG = Logger.getLogger(ReauthAnnouncer.class);

    private final Outbox outbox;

    ReauthAnnouncer(Outbox outbox) {
        this.outbox = outbox;
    }

    Uni<Void> announce(Connection connection, CreatedSession created, String link) {
        connection.reauthAttempts = 0;
        // Due again only when the session expires: a connection that has its session is not a candidate of the
        // sweeper's lease query, which therefore reads only the few due rows however many connections wait in reauth.
        connection.reauthNextAttemptAt = created.expiresAt();
        LOG.infof("Reauthentication session %s stored for connection %s (episode %d, %s)", created.sessionId(),
                connection.connectionId, connection.reauthEpisode, connection.reauthReason);
        return outbox.write(connection.connectionId, ConnectionEvents.REAUTH_NEEDED,
                new ConnectionEvents.ReauthNeeded(connection.connectionId, connection.customerId, connection.companyId,
                        connection.providerId, connection.reauthDetectedAt, connection.reauthSourceEventId,
                        connection.reauthReason, EntityStatuses.concerned(connection.entityIds, connection.entityStatuses),
                        new ConnectionEvents.ReauthSession(created.sessionId(), link, created.expiresAt()),
                        connection.statusNow(), connection.entitiesNow()))
                .replaceWithVoid();
    }
}
