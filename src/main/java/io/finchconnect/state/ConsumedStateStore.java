package io.finchconnect.state;

import java.time.OffsetDateTime;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The SQL on the {@code consumed_states} table: a state recorded as used, given back, and deleted once expired. */
public final class ConsumedStateStore {

    private static final String CONSUME = """
            INSERT INTO consumed_states (state_id, expires_at) VALUES ($1, $2) ON CONFLICT (state_id) DO NOTHING
            """;

    private static final String RELEASE = "DELETE FROM consumed_states WHERE state_id = $1";

    private static final String DELETE_EXPIRED = """
            DELETE FROM consumed_states WHERE state_id IN (
                SELECT state_id FROM consumed_states WHERE expires_at < now() ORDER BY expires_at LIMIT $1
                FOR UPDATE SKIP LOCKED)
            """;

    private ConsumedStateStore() {
    }

    /** Records the state as used; returns false when it was used already. */
    public static Uni<Boolean> consume(SqlClient client, String stateId, OffsetDateTime expiresAt) {
        return client.preparedQuery(CONSUME).execute(Tuple.of(stateId, expiresAt)).map(rows -> rows.rowCount() > 0);
    }

    public static Uni<Void> release(SqlClient client, String stateId) {
        return client.preparedQuery(RELEASE).execute(Tuple.of(stateId)).replaceWithVoid();
    }

    /** Deletes up to {@code batchSize} expired states; returns how many. */
    public static Uni<Integer> deleteExpired(SqlClient client, int batchSize) {
        return client.preparedQuery(DELETE_EXPIRED).execute(Tuple.of(batchSize)).map(RowSet::rowCount);
    }
}
