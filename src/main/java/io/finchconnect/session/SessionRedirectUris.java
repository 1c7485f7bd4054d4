package io.finchconnect.session;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.finch.config.FinchConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The {@code redirect_uri} a Connect session was created with, staged, reauthentication, or adoption of a stranded
 * connection: Finch refuses a redirect-flow code whose exchange does not name exactly that URI.
 */
@ApplicationScoped
public class SessionRedirectUris {

    private final Pool pool;
    private final String sweeperRedirectUri;

    SessionRedirectUris(Pool pool, FinchConfig finch) {
        this.pool = pool;
        this.sweeperRedirectUri = finch.redirectUris().isEmpty() ? null : finch.redirectUris().get(0);
    }

    /** What the session was created with; empty when this service knows no such session. */
    public Uni<Optional<SessionRedirect>> of(String sessionId) {
        return StagedSessionStore.redirectUriOf(pool, sessionId).map(session -> {
            if (session == null) {
                return Optional.empty();
            }
            String redirectUri = session.redirectUri();
            // A reauth session stored before V4 has no column value: the sweeper created all of those with this one.
            if (redirectUri == null && "reauth".equals(session.kind())) {
                redirectUri = sweeperRedirectUri;
            }
            return Optional.of(new SessionRedirect(sessionId, redirectUri));
        });
    }

    /** A session and its redirect URI ({@code null}: an embedded-flow session). */
    public record SessionRedirect(String sessionId, String redirectUri) {
    }
}
