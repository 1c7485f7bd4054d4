package io.finchconnect.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What {@link LifecycleModelIT} reads of the service's database, and the one thing it writes there: a connection's
 * reconciliation made due now, which is what the reconciler's clock would do at the end of the interval.
 */
final class LifecycleDatabase {

    private final LifecycleService service;

    LifecycleDatabase(LifecycleService service) {
        this.service = service;
    }

    /** Makes the live ones of {@code connections} due for reconciliation now; the reconciler hands them over within a tick. */
    void reconcileNow(Collection<String> connections) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement(
                "UPDATE connections SET reconcile_due_at = now() WHERE connection_id = ANY(?) AND status <> 'disconnected'")) {
            statement.setArray(1, db.createArrayOf("text", connections.toArray()));
            statement.executeUpdate();
        }
    }

    /** Live ones of {@code connections} still due (not yet handed to the inbox), plus their pending inbox events. */
    int unfinishedWork(Collection<String> connections) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement("""
                SELECT (SELECT count(*) FROM connections WHERE connection_id = ANY(?) AND status <> 'disconnected'
                          AND reconcile_due_at <= now())
                     + (SELECT count(*) FROM incoming_events WHERE connection_id = ANY(?) AND state = 'pending')""")) {
            statement.setArray(1, db.createArrayOf("text", connections.toArray()));
            statement.setArray(2, db.createArrayOf("text", connections.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    /** The outbox rows of {@code keys}: event id and whether Kafka acknowledged it. */
    List<String[]> outbox(Collection<String> keys) throws SQLException {
        try (Connection db = connect(); PreparedStatement statement = db.prepareStatement(
                "SELECT event_id::text, message_key, (sent_at IS NOT NULL)::text FROM outbox WHERE message_key = ANY(?) ORDER BY id")) {
            statement.setArray(1, db.createArrayOf("text", keys.toArray()));
            List<String[]> rows = new ArrayList<>();
            try (ResultSet results = statement.executeQuery()) {
                while (results.next()) {
                    rows.add(new String[] { results.getString(1), results.getString(2), results.getString(3) });
                }
            }
            return rows;
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(service.jdbcUrl(), service.username(), service.password());
    }
}
