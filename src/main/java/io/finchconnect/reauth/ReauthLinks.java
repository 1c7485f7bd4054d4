package io.finchconnect.reauth;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.reauth.ReauthSessionStore.CreatedSession;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/** The link to send the employer of a connection that needs them back: the episode's session, created when none is valid. */
@ApplicationScoped
public class ReauthLinks {

    private final Pool pool;
    private final ReauthSessionSweeper sweeper;

    ReauthLinks(Pool pool, ReauthSessionSweeper sweeper) {
        this.pool = pool;
        this.sweeper = sweeper;
    }

    /** The episode's valid session; {@link ReauthLinkPendingException} while Finch has not made one yet. */
    public Uni<CreatedSession> current(String connectionId, int episode) {
        return ReauthSessionStore.currentSession(pool, connectionId, episode)
                .chain(session -> session != null ? Uni.createFrom().item(session)
                        : sweeper.createNow(connectionId).chain(() -> ReauthSessionStore.currentSession(pool, connectionId, episode)))
                .map(session -> {
                    if (session == null) {
                        throw new ReauthLinkPendingException();
                    }
                    return session;
                });
    }
}
