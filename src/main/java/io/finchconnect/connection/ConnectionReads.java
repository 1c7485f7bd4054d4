package io.finchconnect.connection;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.vault.EncryptedToken;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What the API reads of connections, each in one statement on the pool: a connection with its open reauth
 * session, its sealed token, and pages of the listing.
 */
@ApplicationScoped
public class ConnectionReads {

    /** The reauth session shown is the current episode's while one is open (one statement). */
    private static final String CONNECTION_WITH_REAUTH_SESSION = """
            SELECT c.connection_id, c.customer_id, c.status, c.status_changed_at, c.company_id, c.provider_id,
                   c.connection_type, c.products, c.entity_ids, c.entity_statuses, c.connected_at, r.session_id AS reauth_session_id,
                   r.connect_url AS reauth_connect_url, r.expires_at AS reauth_expires_at
            FROM connections c
            LEFT JOIN reauth_sessions r ON (c.status IN ('reauth', 'error_permissions', 'error_no_account_setup')
                 OR c.reauth_requested_at IS NOT NULL) AND r.connection_id = c.connection_id
                 AND r.episode = c.reauth_episode AND r.expires_at > now()
            WHERE c.connection_id = $1
            """;
    private static final String TOKEN = """
            SELECT connection_id, customer_id, status, token_key_id, token_ciphertext, token_format FROM connections WHERE connection_id = $1
            """;

    private static final String CUSTOMER_OF_CONNECTION = "SELECT customer_id FROM connections WHERE connection_id = $1";

    private final Pool pool;

    ConnectionReads(Pool pool) {
        this.pool = pool;
    }

    public record ConnectionView(String connectionId, String customerId, String status, OffsetDateTime statusChangedAt,
                                 String companyId, String providerId, String connectionType, List<String> products,
                                 List<String> entityIds, List<EntityView> entities, OffsetDateTime connectedAt,
                                 ReauthSessionView reauthSession) {
    }

    /** An attached entity and its status as Finch last gave it ({@code null} before Finch was first asked). */
    public record EntityView(String entityId, String status) {
    }

    public record ReauthSessionView(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }

    public record ConnectionSummary(String connectionId, String customerId, String status, OffsetDateTime statusChangedAt,
                                    String companyId, String providerId, String connectionType, List<String> products,
                                    List<String> entityIds, OffsetDateTime connectedAt) {
    }

    /** A page of the listing; {@code more}: a next page exists. */
    public record Page(List<ConnectionSummary> connections, boolean more) {
    }

    /** The stored token, sealed; opened only by the vault. */
    public record SealedToken(String connectionId, String customerId, String status, EncryptedToken token) {
    }

    public Uni<ConnectionView> view(String connectionId) {
        return single(CONNECTION_WITH_REAUTH_SESSION, connectionId).map(row -> {
            ReauthSessionView session = row.getString("reauth_session_id") == null ? null : new ReauthSessionView(
                    row.getString("reauth_session_id"), row.getString("reauth_connect_url"),
                    row.getOffsetDateTime("reauth_expires_at"));
            return new ConnectionView(row.getString("connection_id"), row.getString("customer_id"), row.getString("status"),
                    row.getOffsetDateTime("status_changed_at"), row.getString("company_id"), row.getString("provider_id"),
                    row.getString("connection_type"), List.of(row.getArrayOfStrings("products")),
                    List.of(row.getArrayOfStrings("entity_ids")), entities(row), row.getOffsetDateTime("connected_at"), session);
        });
    }

    /** The connection's customer; {@code null} for a connection this service does not know. */
    public Uni<String> customerOf(String connectionId) {
        return pool.preparedQuery(CUSTOMER_OF_CONNECTION).execute(Tuple.of(connectionId))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getString("customer_id") : null);
    }

    public Uni<SealedToken> sealedToken(String connectionId) {
        return single(TOKEN, connectionId).map(row -> new SealedToken(row.getString("connection_id"), row.getString("customer_id"),
                row.getString("status"), EncryptedToken.stored(row.getString("token_key_id"),
                        row.getBuffer("token_ciphertext").getBytes(), row.getShort("token_format"))));
    }

    /**
     * Keyset pagination on {@code connection_id}, filtered by status and/or customer ({@code null}: any); the
     * filters use the V8 indexes {@code (status, connection_id)} and {@code (customer_id, connection_id)}.
     */
    public Uni<Page> page(String statusName, String customer, String afterKey, int size) {
        StringBuilder sql = new StringBuilder("""
                SELECT connection_id, customer_id, status, status_changed_at, company_id, provider_id, connection_type,
                       products, entity_ids, connected_at FROM connections WHERE true""");
        List<Object> values = new ArrayList<>();
        if (statusName != null) {
            values.add(statusName);
            sql.append(" AND status = $").append(values.size());
        }
        if (customer != null) {
            values.add(customer);
            sql.append(" AND customer_id = $").append(values.size());
        }
        if (afterKey != null) {
            values.add(afterKey);
            sql.append(" AND connection_id > $").append(values.size());
        }
        values.add(size + 1);
        sql.append(" ORDER BY connection_id LIMIT $").append(values.size());
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(values)).map(rows -> {
            List<ConnectionSummary> page = new ArrayList<>();
            boolean more = false;
            for (Row row : rows) {
                if (page.size() == size) {
                    more = true;
                    break;
                }
                page.add(summary(row));
            }
            return new Page(page, more);
        });
    }

    private static ConnectionSummary summary(Row row) {
        return new ConnectionSummary(row.getString("connection_id"), row.getString("customer_id"), row.getString("status"),
                row.getOffsetDateTime("status_changed_at"), row.getString("company_id"), row.getString("provider_id"),
                row.getString("connection_type"), List.of(row.getArrayOfStrings("products")),
                List.of(row.getArrayOfStrings("entity_ids")), row.getOffsetDateTime("connected_at"));
    }

    private static List<EntityView> entities(Row row) {
        String[] ids = row.getArrayOfStrings("entity_ids");
        String[] statuses = row.getArrayOfStrings("entity_statuses");
        List<EntityView> entities = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            entities.add(new EntityView(ids[i], i < statuses.length ? statuses[i] : null));
        }
        return entities;
    }

    /** One statement on one pooled connection: never a second connection asked for while one is held. */
    private Uni<Row> single(String sql, String connectionId) {
        return pool.preparedQuery(sql).execute(Tuple.of(connectionId)).map(rows -> {
            if (!rows.iterator().hasNext()) {
                throw new UnknownResourceException("No connection " + connectionId);
            }
            return rows.iterator().next();
        });
    }
}
