package io.finchconnect.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.FinchAuthorizations;
import io.finchconnect.testing.TestStack;

/**
 * What the fault tests' connections look like in PostgreSQL, read with plain JDBC outside the service: their
 * statuses, the inbox rows of their webhooks and their outbox rows. Also creates them, at Finch (the simulator)
 * first: the service introspects each hint with the connection's own token, so a connection needs a real one.
 */
final class ConnectionLedger {

    /** An outbox row; {@code followUp} for the reauth_needed that carries the session, after the transition's own. */
    record OutboxRow(long id, String eventId, String key, String type, boolean followUp, boolean sent) {
    }

    /** An inbox row: {@code pending} until the processor applied what Finch said; then its outcome. */
    record InboxRow(String eventId, String connectionId, boolean pending, String outcome) {
    }

    private final Map<String, String> config = TestStack.get().config();

    /**
     * {@code count} connections authorized at the simulator (a completed Connect session, its code exchanged at
     * {@code /auth/token}) and stored here {@code connected} with their sealed access token, each with its customer.
     */
    List<String> insertConnected(String prefix, int count) throws Exception {
        List<FinchAuthorizations.Authorized> authorized = FinchAuthorizations.authorize(TestStack.get(), prefix, count);
        List<String> ids = new ArrayList<>();
        try (Connection db = connect()) {
            db.setAutoCommit(false);
            try (PreparedStatement customer = db.prepareStatement("INSERT INTO customers (customer_id, customer_name) VALUES (?, 'Load')");
                 PreparedStatement connection = db.prepareStatement("INSERT INTO connections (connection_id, customer_id, status, "
                         + "status_changed_at, company_id, provider_id, products, token_key_id, token_ciphertext, token_format, "
                         + "connected_at) VALUES (?, ?, 'connected', now() - interval '1 hour', ?, ?, '{company,directory}', ?, ?, ?, now())")) {
                for (FinchAuthorizations.Authorized one : authorized) {
                    customer.setString(1, one.customerId());
                    customer.addBatch();
                    connection.setString(1, one.connectionId());
                    connection.setString(2, one.customerId());
                    connection.setString(3, one.companyId());
                    connection.setString(4, one.providerId());
                    connection.setString(5, one.token().keyId());
                    connection.setBytes(6, one.token().ciphertext());
                    connection.setShort(7, (short) one.token().format().code());
                    connection.addBatch();
                    ids.add(one.connectionId());
                }
                customer.executeBatch();
                connection.executeBatch();
            }
            db.commit();
        }
        return ids;
    }

    /** The connection's status at Finch (the simulator). */
    static String statusAtFinch(String connectionId) {
        return Finch.connection(connectionId).getString("status");
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

    /** The inbox rows of {@code eventIds} the service stored. */
    Map<String, InboxRow> inbox(Collection<String> eventIds) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement("""
                SELECT event_id, connection_id, state = 'pending', outcome FROM incoming_events WHERE event_id = ANY(?)""")) {
            statement.setArray(1, db.createArrayOf("text", eventIds.toArray()));
            Map<String, InboxRow> rows = new HashMap<>();
            try (ResultSet results = statement.executeQuery()) {
                while (results.next()) {
                    rows.put(results.getString(1), new InboxRow(results.getString(1), results.getString(2), results.getBoolean(3),
                            results.getString(4)));
                }
            }
            return rows;
        }
    }

    /** The outbox rows of {@code keys}, in id order (for one key, commit order). */
    List<OutboxRow> outbox(Collection<String> keys) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement("""
                SELECT id, event_id::text, message_key, event_type,
                       event_type = 'finch.connection.reauth_needed' AND 'object' IN (jsonb_typeof(payload->'reauth_session'), jsonb_typeof(payload->'data'->'reauth_session')),
                       sent_at IS NOT NULL
                FROM outbox WHERE message_key = ANY(?) ORDER BY id""")) {
            statement.setArray(1, db.createArrayOf("text", keys.toArray()));
            List<OutboxRow> rows = new ArrayList<>();
            try (ResultSet results = statement.executeQuery()) {
                while (results.next()) {
                    rows.add(new OutboxRow(results.getLong(1), results.getString(2), results.getString(3), results.getString(4),
                            results.getBoolean(5), results.getBoolean(6)));
                }
            }
            return rows;
        }
    }

    /**
     * What of {@code connections} an instance would not take up within {@code slack}: pending inbox events whose
     * next attempt is later, inbox leases that run longer, reauth sessions still to be made whose next attempt (a
     * sweep's lease or a backoff) is later, and creation intents that stand longer. A clean stop leaves none.
     */
    List<String> heldBeyond(Collection<String> connections, Duration slack) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement("""
                WITH p AS (SELECT ?::text[] AS ids, now() + make_interval(secs => ?) AS horizon)
                SELECT 'inbox event ' || e.event_id || ' of ' || e.connection_id || ', next attempt ' || e.next_attempt_at
                FROM incoming_events e, p WHERE e.connection_id = ANY(p.ids) AND e.state = 'pending'
                  AND e.next_attempt_at > p.horizon
                UNION ALL
                SELECT 'inbox lease on ' || l.connection_id || ' until ' || l.leased_until
                FROM inbox_leases l, p WHERE l.connection_id = ANY(p.ids) AND l.leased_until > p.horizon
                UNION ALL
                SELECT 'reauth session of ' || c.connection_id || ', next attempt ' || c.reauth_next_attempt_at
                FROM connections c, p WHERE c.connection_id = ANY(p.ids)
                  AND c.status IN ('reauth', 'error_permissions', 'error_no_account_setup')
                  AND c.reauth_next_attempt_at > p.horizon
                  AND NOT EXISTS (SELECT 1 FROM reauth_sessions r WHERE r.connection_id = c.connection_id
                                  AND r.episode = c.reauth_episode AND r.expires_at > now())
                UNION ALL
                SELECT 'reauth session intent of ' || i.connection_id || ' until ' || i.retry_at
                FROM reauth_session_intents i, p WHERE i.connection_id = ANY(p.ids) AND i.retry_at > p.horizon
                """)) {
            statement.setArray(1, db.createArrayOf("text", connections.toArray()));
            statement.setDouble(2, slack.toMillis() / 1000.0);
            List<String> held = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    held.add(rows.getString(1));
                }
            }
            return held;
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
