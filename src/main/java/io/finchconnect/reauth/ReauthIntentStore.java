package io.finchconnect.reauth;

import java.time.Duration;

import io.finchconnect.connection.ConnectionStore.ReauthDue;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the {@code reauth_session_intents} table: Finch makes a new session on every call, so a creation is
 * recorded before Finch is asked, and at most one per connection and episode stands at a time, across instances.
 */
public final class ReauthIntentStore {

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
    private static final String EXTEND_INTENT = """
            UPDATE reauth_session_intents SET retry_at = now() + make_interval(secs => $3)
            WHERE connection_id = $1 AND episode = $2
            """;

    private ReauthIntentStore() {
    }

    /**
     * Records that a creation is about to be asked of Finch; the intent stands for {@code inFlightFor}, the longest the
     * call may take, unless an answer clears or {@link #extend}s it: an instance that dies during the call holds the
     * episode back no longer than that. Returns the attempt number, or 0 when another intent stands (in flight, or
     * unresolved).
     */
    static Uni<Integer> record(SqlClient client, ReauthDue due, Duration inFlightFor) {
        return client.preparedQuery(RECORD_INTENT).execute(Tuple.of(due.connectionId(), due.episode(),
                        inFlightFor.toMillis() / 1000.0))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getInteger("attempts") : 0);
    }

    /** An outcome left unclear (Finch may have made a session): no other is asked for during {@code uncertainFor}. */
    static Uni<Void> extend(SqlClient client, ReauthDue due, Duration uncertainFor) {
        return client.preparedQuery(EXTEND_INTENT).execute(Tuple.of(due.connectionId(), due.episode(),
                uncertainFor.toMillis() / 1000.0)).replaceWithVoid();
    }

    static Uni<Void> clear(SqlClient client, ReauthDue due) {
        return client.preparedQuery(CLEAR_INTENT).execute(Tuple.of(due.connectionId(), due.episode())).replaceWithVoid();
    }
}
