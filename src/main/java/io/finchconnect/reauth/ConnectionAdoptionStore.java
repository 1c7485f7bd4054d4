package io.finchconnect.reauth;

import java.time.OffsetDateTime;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the {@code connection_adoptions} table: the reauthentication session made for a stranded connection,
 * kept so the callback knows its {@code redirect_uri} (read with the other kinds of session in
 * {@code StagedSessionStore}).
 */
public final class ConnectionAdoptionStore {

    private static final String KEEP_SESSION = """
            INSERT INTO connection_adoptions (session_id, connection_id, customer_id, connect_url, redirect_uri, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (session_id) DO NOTHING
            """;
    /** Expired: Finch's session and our state on its link expire together, so the row guards nothing any more. */
    private static final String DELETE_EXPIRED = """
            DELETE FROM connection_adoptions WHERE session_id IN (
                SELECT session_id FROM connection_adoptions WHERE expires_at < now() ORDER BY expires_at LIMIT $1
                FOR UPDATE SKIP LOCKED)
            """;

    private ConnectionAdoptionStore() {
    }

    /** A session kept for the adoption of {@code connectionId} as {@code customerId}'s; a repeat keeps the first. */
    public static Uni<Void> keepSession(SqlClient client, String sessionId, String connectionId, String customerId,
                                        String connectUrl, String redirectUri, OffsetDateTime expiresAt) {
        return client.preparedQuery(KEEP_SESSION)
                .execute(Tuple.from(new Object[] { sessionId, connectionId, customerId, connectUrl, redirectUri, expiresAt }))
                .replaceWithVoid();
    }

    /** Deletes up to {@code limit} expired adoption sessions, completed or not; returns how many. */
    public static Uni<Integer> deleteExpired(SqlClient client, int limit) {
        return client.preparedQuery(DELETE_EXPIRED).execute(Tuple.of(limit)).map(rows -> rows.rowCount());
    }
}
