package io.finchconnect.reauth;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The reauth-session sweeper's SQL: which connections in reauth still lack this episode's session, leased to
 * one instance at a time, and the retry schedule when Finch could not be reached.
 */
public final class ReauthSessions {

    /*
     * One statement: SKIP LOCKED inside the statement's own transaction and the lease it writes keep two
     * instances from asking Finch for the same episode at once.
     */
    private static final String LEASE_DUE = """
            UPDATE connections SET reauth_next_attempt_at = now() + make_interval(secs => $2)
            WHERE connection_id IN (
                SELECT c.connection_id FROM connections c
                WHERE c.status IN ('reauth', 'error_permissions', 'error_no_account_setup')
                  AND (c.reauth_next_attempt_at IS NULL OR c.reauth_next_attempt_at <= now())
                  AND ($3::varchar IS NULL OR c.connection_id = $3)
                  AND NOT EXISTS (SELECT 1 FROM reauth_sessions r WHERE r.connection_id = c.connection_id
                                  AND r.episode = c.reauth_episode AND r.expires_at > now())
                  AND NOT EXISTS (SELECT 1 FROM reauth_session_intents i WHERE i.connection_id = c.connection_id
                                  AND i.episode = c.reauth_episode AND i.retry_at > now())
                ORDER BY c.reauth_next_attempt_at NULLS FIRST
                LIMIT $1
                FOR UPDATE SKIP LOCKED)
            RETURNING connection_id, reauth_episode, reauth_attempts
            """;
    private static final String RETRY_LATER = """
            UPDATE connections SET reauth_attempts = reauth_attempts + 1,
                                   reauth_next_attempt_at = now() + make_interval(secs => $3)
            WHERE connection_id = $1 AND reauth_episode = $2
            """;

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

    /* Taken only when no intent stands: at most one creation per episode is in flight, across instances. */
    private static final String RECORD_INTENT = """
            INSERT INTO reauth_session_intents (connection_id, episode, retry_at)
            VALUES ($1, $2, now() + make_interval(secs => $3))
            ON CONFLICT (connection_id, episode) DO UPDATE SET attempts = reauth_session_intents.attempts + 1,
                started_at = now(), retry_at = EXCLUDED.retry_at
            WHERE reauth_session_intents.retry_at <= now()
            RETURNING attempts
            """;
    private static final String CLEAR_INTENT = "DELETE FROM reauth_session_intents WHERE connection_id = $1 AND episode = $2";

    private ReauthSessions() {
    }

    /**
     * Records that a creation is about to be asked of Finch; the intent stands for {@code uncertainFor} unless an
     * answer clears it. Returns the attempt number, or 0 when another intent stands (in flight, or unresolved).
     */
    static Uni<Integer> recordIntent(SqlClient client, Due due, Duration uncertainFor) {
        return client.preparedQuery(RECORD_INTENT).execute(Tuple.of(due.connectionId(), due.episode(),
                        uncertainFor.toMillis() / 1000.0))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getInteger("attempts") : 0);
    }

    static Uni<Void> clearIntent(SqlClient client, Due due) {
        return client.preparedQuery(CLEAR_INTENT).execute(Tuple.of(due.connectionId(), due.episode())).replaceWithVoid();
    }

    record Due(String connectionId, int episode, int attempts) {
    }

    /** Leases up to {@code limit} connections due for a session; only {@code connectionId}'s when given. */
    static Uni<List<Due>> leaseDue(SqlClient client, int limit, Duration lease, String connectionId) {
        return client.preparedQuery(LEASE_DUE).execute(Tuple.of(limit, lease.toMillis() / 1000.0, connectionId)).map(rows -> {
            List<Due> due = new ArrayList<>();
            for (Row row : rows) {
                due.add(new Due(row.getString("connection_id"), row.getInteger("reauth_episode"),
                        row.getInteger("reauth_attempts")));
            }
            return due;
        });
    }

    static Uni<Void> retryLater(SqlClient client, Due due, Duration delay) {
        return client.preparedQuery(RETRY_LATER).execute(Tuple.of(due.connectionId(), due.episode(), delay.toMillis() / 1000.0))
                .replaceWithVoid();
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
        return client.preparedQuery(CURRENT_SESSION).execute(Tuple.of(connectionId, episode)).map(rows -> {
            if (!rows.iterator().hasNext()) {
                return null;
            }
            Row row = rows.iterator().next();
            return new CreatedSession(row.getString("session_id"), row.getString("connect_url"),
                    row.getOffsetDateTime("expires_at"));
        });
    }

    /** The session Finch created for an episode. */
    public record CreatedSession(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }
}
