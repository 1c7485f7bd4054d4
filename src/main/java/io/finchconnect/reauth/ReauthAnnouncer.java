package io.finchconnect.reauth;

import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionLifecycle;
import io.finchconnect.connection.ConnectionLifecycle.Cause;
import io.finchconnect.connection.events.ConnectionEvents;
import io.finchconnect.lifecycle.Decision;
import io.finchconnect.lifecycle.LifecycleInput;
import io.finchconnect.lifecycle.LifecycleState;
import io.finchconnect.link.DurableLinks;
import io.finchconnect.reauth.ReauthSessionStore.CreatedSession;
import io.smallrye.mutiny.Uni;

/**
 * The {@code finch.connection.reauth_needed} event that hands out an episode's session, whoever made it (the
 * sweeper, or a caller of the API), in the transaction that stores the session.
 */
@ApplicationScoped
public class ReauthAnnouncer {

    private static final Logger LOG = Logger.getLogger(ReauthAnnouncer.class);

    private final ConnectionLifecycle lifecycle;
    private final ReauthMetrics metrics;
    private final DurableLinks links;

    ReauthAnnouncer(ConnectionLifecycle lifecycle, ReauthMetrics metrics, DurableLinks links) {
        this.lifecycle = lifecycle;
        this.metrics = metrics;
        this.links = links;
    }

    /**
     * Whether a session made for {@code episode} still belongs to the connection: its episode is the open one, or
     * the one it opens (asked for through the API on a connection that needs nothing).
     */
    boolean stillOpen(Connection connection, int episode) {
        return connection != null
                && lifecycle.decide(connection, new LifecycleInput.SessionCreated(episode)).kind() != Decision.Kind.REFUSED;
    }

    /** The sweeper's session, for the episode open. */
    Uni<Void> announce(Connection connection, CreatedSession created, String link) {
        return announce(connection, connection.reauthEpisode, created, link, Cause.at(OffsetDateTime.now()));
    }

    /** {@code cause}: why the episode opens, should this session open one. */
    Uni<Void> announce(Connection connection, int episode, CreatedSession created, String link, Cause cause) {
        LifecycleState before = ConnectionLifecycle.stateOf(connection);
        // The episode's durable link goes with its session: the session's own link dies with its first failed exchange.
        return links.ofEpisode(connection.customerId, connection.connectionId, episode)
                .chain(durable -> lifecycle.apply(connection, new LifecycleInput.SessionCreated(episode), cause.withSession(
                        new ConnectionEvents.ReauthSession(created.sessionId(), link, created.expiresAt()),
                        durable == null ? null : new ConnectionEvents.ReauthLink(durable.url(), durable.expiresAt()))))
                .invoke(decision -> {
                    if (decision.opensEpisode(before)) {
                        metrics.opened();
                    }
                    connection.reauthAttempts = 0;
                    // Due again only when the session expires: a connection that has its session is not a candidate
                    // of the sweeper's lease query, which therefore reads only the few due rows however many
                    // connections wait in reauth.
                    connection.reauthNextAttemptAt = created.expiresAt();
                    LOG.infof("Reauthentication session %s stored for connection %s (episode %d, %s)",
                            created.sessionId(), connection.connectionId, connection.reauthEpisode, connection.reauthReason);
                })
                .replaceWithVoid();
    }
}
