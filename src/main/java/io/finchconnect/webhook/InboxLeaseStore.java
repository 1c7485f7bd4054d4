package io.finchconnect.webhook;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the {@code inbox_leases} table: one processor per connection at a time, across instances. A lease is
 * taken in one statement and given up in the transaction that marks the connection's events done, which also
 * fences a holder whose lease ran out.
 */
public final class InboxLeaseStore {

    /*
     * One statement: a lease row is inserted, or taken over once it ran out; ON CONFLICT waits for a concurrent
     * taker and then finds the lease held, so each connection goes to one instance.
     */
    private static final String LEASE = """
            WITH candidates AS (
                SELECT e.connection_id FROM incoming_events e
                WHERE e.state = 'pending' AND e.next_attempt_at <= now()
                  AND NOT EXISTS (SELECT 1 FROM inbox_leases l WHERE l.connection_id = e.connection_id
                                  AND l.leased_until >= now())
                GROUP BY e.connection_id ORDER BY min(e.received_at) LIMIT $1)
            INSERT INTO inbox_leases (connection_id, owner, leased_until)
            SELECT connection_id, $2, now() + make_interval(secs => $3) FROM candidates
            ON CONFLICT (connection_id) DO UPDATE SET owner = EXCLUDED.owner, leased_until = EXCLUDED.leased_until
                WHERE inbox_leases.leased_until < now()
            RETURNING connection_id
            """;
    private static final String RELEASE = "DELETE FROM inbox_leases WHERE connection_id = $1 AND owner = $2";
    private static final String FENCE = "DELETE FROM inbox_leases WHERE connection_id = :connection AND owner = :owner";

    private InboxLeaseStore() {
    }

    /** Leases up to {@code limit} connections with due events to {@code owner}, oldest event first; returns their ids. */
    public static Uni<List<String>> lease(SqlClient client, int limit, String owner, Duration lease) {
        return client.preparedQuery(LEASE).execute(Tuple.of(limit, owner, lease.toMillis() / 1000.0)).map(rows -> {
            List<String> leased = new ArrayList<>();
            for (Row row : rows) {
                leased.add(row.getString(0));
            }
            return leased;
        });
    }

    public static Uni<Void> release(SqlClient client, String connectionId, String owner) {
        return client.preparedQuery(RELEASE).execute(Tuple.of(connectionId, owner)).replaceWithVoid();
    }

    /**
     * Gives the lease up in the current Hibernate Reactive transaction; returns 1 when {@code owner} still held it,
     * 0 when it ran out and another instance may have it.
     */
    public static Uni<Integer> fence(String connectionId, String owner) {
        return Panache.getSession().chain(session -> session.createNativeQuery(FENCE)
                .setParameter("connection", connectionId)
                .setParameter("owner", owner)
                .executeUpdate());
    }
}
