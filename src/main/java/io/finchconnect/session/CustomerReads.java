package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.UnknownResourceException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** A customer as other services read it: its staged session and its connections, old ones included. */
@ApplicationScoped
public class CustomerReads {

    private static final String CUSTOMER = """
            SELECT c.customer_id, c.customer_name, c.customer_email, c.created_at,
                   s.session_id, s.expires_at AS session_expires_at, s.products, s.refreshed_at, s.consumed_at
            FROM customers c LEFT JOIN staged_sessions s ON s.customer_id = c.customer_id WHERE c.customer_id = $1
            """;
    private static final String CONNECTIONS = "SELECT connection_id, status, connected_at FROM connections WHERE customer_id = $1 ORDER BY connected_at, connection_id";

    private final Pool pool;

    CustomerReads(Pool pool) {
        this.pool = pool;
    }

    /** {@code consumedAt}: when the customer connected through it; a consumed session is not handed out again. */
    public record StagedSessionView(String sessionId, OffsetDateTime expiresAt, List<String> products, OffsetDateTime refreshedAt,
                                    OffsetDateTime consumedAt) {
    }

    public record ConnectionSummary(String connectionId, String status, OffsetDateTime connectedAt) {
    }

    public record CustomerView(String customerId, String customerName, String customerEmail, OffsetDateTime createdAt,
                               StagedSessionView stagedSession, List<ConnectionSummary> connections) {
    }

    public Uni<CustomerView> view(String customerId) {
        return pool.preparedQuery(CUSTOMER).execute(Tuple.of(customerId)).chain(rows -> {
            if (!rows.iterator().hasNext()) {
                throw new UnknownResourceException("No customer " + customerId);
            }
            Row row = rows.iterator().next();
            StagedSessionView session = row.getString("session_id") == null ? null : new StagedSessionView(
                    row.getString("session_id"), row.getOffsetDateTime("session_expires_at"),
                    List.of(row.getArrayOfStrings("products")), row.getOffsetDateTime("refreshed_at"),
                    row.getOffsetDateTime("consumed_at"));
            return pool.preparedQuery(CONNECTIONS).execute(Tuple.of(customerId)).map(connections -> {
                List<ConnectionSummary> summaries = new ArrayList<>();
                for (Row connection : connections) {
                    summaries.add(new ConnectionSummary(connection.getString("connection_id"), connection.getString("status"),
                            connection.getOffsetDateTime("connected_at")));
                }
                return new CustomerView(row.getString("customer_id"), row.getString("customer_name"),
                        row.getString("customer_email"), row.getOffsetDateTime("created_at"), session, summaries);
            });
        });
    }
}
