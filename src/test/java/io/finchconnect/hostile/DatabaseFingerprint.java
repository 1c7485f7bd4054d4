package io.finchconnect.hostile;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A checksum of every row of every table of the service, to show that a refused request wrote nothing.
 * Columns that the service's own background work changes (the outbox relay's bookkeeping, the reauth
 * sweeper's retry schedule) are left out, so only what a request could write is compared.
 */
final class DatabaseFingerprint implements AutoCloseable {

    /** Table name to the columns a request could write. */
    private static final Map<String, String> TABLES = tables();
    /**
     * Written only by background work (inbox leases, the outbox relays' partition leases and heartbeats, reauth
     * session intents), never by a request, and changing on their own while a property runs; and the durable links'
     * visit counts, a counter every visit bumps (rejected or not, which is what a rate limit is) and a cleanup empties.
     */
    private static final java.util.Set<String> BACKGROUND_ONLY = java.util.Set.of("inbox_leases", "outbox_partition",
            "outbox_relay_member", "reauth_session_intents", "connect_link_visits");

    private final Connection connection;
    private final String query;

    DatabaseFingerprint(String jdbcUrl, String username, String password) throws SQLException {
        this.connection = DriverManager.getConnection(jdbcUrl, username, password);
        this.query = TABLES.entrySet().stream()
                .map(table -> "SELECT '%s', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM (SELECT %s FROM %s) t"
                        .formatted(table.getKey(), table.getValue(), table.getKey()))
                .collect(Collectors.joining(" UNION ALL "));
    }

    /** Per table: its row count and a checksum of its rows. */
    Map<String, String> take() {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(query)) {
            Map<String, String> fingerprint = new LinkedHashMap<>();
            while (rows.next()) {
                fingerprint.put(rows.getString(1), rows.getLong(2) + " rows " + rows.getString(3));
            }
            return fingerprint;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A fingerprint once background work (the inbox processor, the reauth sweeper, the outbox relay) has let the
     * tables be for a moment: two takes 250 ms apart agree, or 20 s have passed.
     */
    Map<String, String> quiet() throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        Map<String, String> last = take();
        while (System.nanoTime() < deadline) {
            Thread.sleep(250);
            Map<String, String> next = take();
            if (next.equals(last)) {
                return next;
            }
            last = next;
        }
        return last;
    }

    Map<String, String> quietWithout(String table) throws InterruptedException {
        Map<String, String> fingerprint = quiet();
        fingerprint.remove(table);
        return fingerprint;
    }

    Map<String, String> takeWithout(String table) {
        Map<String, String> fingerprint = take();
        fingerprint.remove(table);
        return fingerprint;
    }

    /** Fails when the schema has a table the fingerprint does not cover. */
    void assertCoversEveryTable() {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                        + "AND table_type = 'BASE TABLE' AND table_name <> 'flyway_schema_history'")) {
            java.util.Set<String> tables = new java.util.TreeSet<>();
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
            java.util.Set<String> known = new java.util.TreeSet<>(TABLES.keySet());
            known.addAll(BACKGROUND_ONLY);
            if (!tables.equals(known)) {
                throw new IllegalStateException("The fingerprint covers " + TABLES.keySet() + " but the schema has " + tables);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String sql, String... parameters) {
        try (var statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For failure messages: the incoming events received last. */
    String latestIncomingEvents() {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(
                "SELECT event_id, channel, outcome, received_at FROM incoming_events ORDER BY received_at DESC LIMIT 3")) {
            StringBuilder events = new StringBuilder();
            while (rows.next()) {
                events.append('[').append(rows.getString(1)).append(' ').append(rows.getString(2)).append(' ')
                        .append(rows.getString(3)).append(' ').append(rows.getString(4)).append(']');
            }
            return events.toString();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    private static Map<String, String> tables() {
        Map<String, String> tables = new LinkedHashMap<>();
        tables.put("customers", "*");
        tables.put("staged_sessions", "*");
        // Status and reauth columns move in the background now (the inbox processor applies Finch's introspection).
        tables.put("connections", "connection_id, customer_id, company_id, provider_id, connection_type, client_type, "
                + "products, entity_ids, token_key_id, token_ciphertext, connected_at");
        tables.put("reauth_sessions", "*");
        tables.put("consumed_states", "*");
        tables.put("connection_adoptions", "*");
        // The inbox processor later moves an accepted event on (state, outcome, attempts, next try, processing time):
        // what the request itself wrote is compared.
        tables.put("incoming_events", "event_id, channel, event_type, connection_id, entity_id, occurred_at, received_at");
        tables.put("outbox", "id, event_id, message_key, event_type, payload, headers, created_at");
        tables.put("connection_history", "*");
        tables.put("connect_links", "*");
        tables.put("connect_link_finch_calls", "*");
        return tables;
    }
}
