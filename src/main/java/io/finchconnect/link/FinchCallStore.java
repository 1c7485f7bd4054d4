package io.finchconnect.link;

import java.time.Duration;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The SQL on the {@code connect_link_finch_calls} table: a visit's claim to ask Finch for a customer's session. */
public final class FinchCallStore {

    private static final String CLAIM = """
            INSERT INTO connect_link_finch_calls (customer_id, called_at) VALUES ($1, now())
            ON CONFLICT (customer_id) DO UPDATE SET called_at = now()
            WHERE connect_link_finch_calls.called_at <= now() - make_interval(secs => $2)
            """;

    private FinchCallStore() {
    }

    /** Whether this caller may ask Finch now: no visit did for the customer within {@code interval}. */
    public static Uni<Boolean> claim(SqlClient client, String customerId, Duration interval) {
        return client.preparedQuery(CLAIM).execute(Tuple.of(customerId, interval.toMillis() / 1000.0))
                .map(rows -> rows.rowCount() == 1);
    }
}
