package io.finchconnect.reauth;

import java.time.OffsetDateTime;

import io.finchconnect.common.database.Rows;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the {@code reauth_sessions} table: each reauth episode's session, stored in the transaction that
 * announces it, and read while it is valid. Which connections still lack one, and their retry schedule, are
 * columns of {@code connections} ({@code ConnectionStore}).
 */
public final class ReauthSessionStore {

    /* The sweeper replaces only an expired session; a caller of the API asked for a new one and gets it. */
    private static final String STORE_SESSION = """
            INSERT INTO reauth_sessions (connection_id, episode, session_id, connect_url, expires_at, redirect_uri)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            ON CONFLICT (connection_id, episode) DO UPDATE SET session_id = EXCLUDED.session_id,
                connect_url = EXCLUDED.connect_url, expires_at = EXCLUDED.expires_at, created_at = now(),
                redirect_uri = EXCLUDED.redirect_uri
            WHERE ?7 OR reauth_sessions.expires_at <= now()
            """;

    private static final String CURRENT_SESSION = """
            SELECT session_id, connect_url, expires_at FROM reauth_sessions
            WHERE connection_id = $1 AND episode = $2 AND expires_at > now()
            """;

    private ReauthSessionStore() {
    }

    /**
     * Stores an episode's session in the current Hibernate Reactive transaction; returns 1 when stored, 0 when the
     * episode keeps a valid one ({@code replaceValid} false). {@code redirectUri}: what the session was created
     * with, which the callback's code exchange must name (null for an embedded-flow session).
     */
    static Uni<Integer> store(boolean replaceValid, String connectionId, int episode, CreatedSession created, String link,
                              String redirectUri) {
        return Panache.getSession().chain(session -> session.createNativeQuery(STORE_SESSION)
                .setParameter(1, connectionId)
                .setParameter(2, episode)
                .setParameter(3, created.sessionId())
                .setParameter(4, link)
                .setParameter(5, created.expiresAt())
                .setParameter(6, redirectUri)
                .setParameter(7, replaceValid)
                .executeUpdate());
    }

    /** The episode's session while it is valid, or {@code null}. */
    public static Uni<CreatedSession> currentSession(SqlClient client, String connectionId, int episode) {
        return client.preparedQuery(CURRENT_SESSION).execute(Tuple.of(connectionId, episode))
                .map(rows -> Rows.firstOrNull(rows, row -> new CreatedSession(row.getString("session_id"),
                        row.getString("connect_url"), row.getOffsetDateTime("expires_at"))));
    }

    /** The session Finch created for an episode. */
    public record CreatedSession(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }
}
