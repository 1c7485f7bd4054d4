package io.finchconnect.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.finchconnect.testing.TestStack;

/**
 * What the fault tests' connections look like in PostgreSQL, read with plain JDBC outside the service: their
 * statuses, the incoming events recorded for them and their outbox rows. Also creates them.
 */
final class ConnectionLedger {

    /** An outbox row; {@code disconnectedAt} is the epoch second of a disconnected event's data, else null. */
    record OutboxRow(long id, String eventId, String key, String type, Long disconnectedAt, boolean sent) {
    }

    private final Map<String, String> config = TestStack.get().config();

    /** {@code count} connections in {@code connected} since an hour ago, each with its customer. */
    List<String> insertConnected(String prefix, int count) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection db = connect()) {
            db.setAutoCommit(false);
            try (PreparedStatement customer = db.prepareStatement("INSERT INTO customers (customer_id, customer_name) VALUES (?, 'Load')");
                 PreparedStatement connection = db.prepareStatement("INSERT INTO connections (connection_id, customer_id, status, "
                         + "status_changed_at, token_key_id, token_ciphertext, connected_at) "
                         + "VALUES (?, ?, 'connected', now() - interval '1 hour', 'k', '\\x00', now())")) {
                for (int i = 0; i < count; i++) {
                    String id = prefix + "-" + UUID.randomUUID();
                    customer.setString(1, id);
                    customer.addBatch();
                    connection.setString(1, id);
                    connection.setString(2, id);
                    connection.addBatch();
                    ids.add(id);
                }
                customer.executeBatch();
                connection.executeBatch();
            }
            db.commit();
        }
        return ids;
    }

    /** connection_id to status, for those of {@code ids} that exist. */
    Map<String, String> statuses(Collection<String> ids) throws SQLException {
        return pairs("SELECT connection_id, status FROM connections WHERE connection_id = ANY(?)", ids);
    }

    /** connection_id to customer_id, for those of {@code ids} that exist. */
    Map<String, String> customersOf(Collection<String> ids) throws SQLException {
        return pairs("SELECT connection_id, customer_id FROM connections WHERE connection_id = ANY(?)", ids);
    }

    /** connection_id to customer_id of every connection of {@code customers}. */
    Map<String, String> connectionsOfCustomers(Collection<String> customers) throws SQLException {
        return pairs("SELECT connection_id, customer_id FROM connections WHERE customer_id = ANY(?)", customers);
    }

    /** Finch event id to the outcome recorded, for those of {@code eventIds} the service recorded. */
    Map<String, String> incomingOutcomes(Collection<String> eventIds) throws SQLException {
        return pairs("SELECT event_id, outcome FROM incoming_events WHERE event_id = ANY(?)", eventIds);
    }

    /** The outbox rows of {@code keys}, in id order (for one key, commit order). */
    List<OutboxRow> outbox(Collection<String> keys) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement("""
                SELECT id, event_id::text, message_key, event_type,
                       extract(epoch FROM (payload->>'disconnected_at')::timestamptz)::bigint, sent_at IS NOT NULL
                FROM outbox WHERE message_key = ANY(?) ORDER BY id""")) {
            statement.setArray(1, db.createArrayOf("text", keys.toArray()));
            List<OutboxRow> rows = new ArrayList<>();
            try (ResultSet results = statement.executeQuery()) {
                while (results.next()) {
                    long disconnectedAt = results.getLong(5);
                    rows.add(new OutboxRow(results.getLong(1), results.getString(2), results.getString(3), results.getString(4),
                            results.wasNull() ? null : disconnectedAt, results.getBoolean(6)));
                }
            }
            return rows;
        }
    }

    private Map<String, String> pairs(String sql, Collection<String> ids) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setArray(1, db.createArrayOf("text", ids.toArray()));
            Map<String, String> found = new HashMap<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getString(1), rows.getString(2));
                }
            }
            return found;
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
    }
}
