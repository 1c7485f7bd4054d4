package io.finchconnect.connection;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import org.hibernate.reactive.mutiny.Mutiny;

/** The SQL on {@code connection_history}: a connection's events, appended with their outbox rows. */
public final class ConnectionHistoryStore {

    /* Copies the event from its outbox row (outbox is OutboxStore's table, only read here), in the same transaction. */
    private static final String APPEND = """
            INSERT INTO connection_history (connection_id, event_id, event_type, connection_status, payload)
            SELECT message_key, event_id, event_type, payload->>'connection_status', payload FROM outbox WHERE event_id = ?1
            """;
    private static final String PAGE = """
            SELECT id, event_id, event_type, connection_status, payload::text AS payload, recorded_at FROM connection_history
            WHERE connection_id = $1 AND id > $2 ORDER BY id LIMIT $3
            """;
    private static final String DELETE_OLD = """
            DELETE FROM connection_history WHERE id IN (
                SELECT id FROM connection_history WHERE recorded_at < now() - make_interval(secs => $1) LIMIT $2)
            """;

    private ConnectionHistoryStore() {
    }

    /** One event as history keeps it; {@code payload} is the event's data, as JSON. */
    public record Entry(long id, UUID eventId, String type, String connectionStatus, String payload,
                        OffsetDateTime recordedAt) {
    }

    /** Appends the event whose outbox row {@code eventId} the current transaction has just written. */
    static Uni<Void> append(Mutiny.Session session, UUID eventId) {
        return session.createNativeQuery(APPEND).setParameter(1, eventId).executeUpdate().replaceWithVoid();
    }

    /** Up to {@code limit} events of the connection after history id {@code after}, oldest first. */
    public static Uni<List<Entry>> page(SqlClient client, String connectionId, long after, int limit) {
        return client.preparedQuery(PAGE).execute(Tuple.of(connectionId, after, limit)).map(rows -> {
            List<Entry> entries = new ArrayList<>();
            for (Row row : rows) {
                entries.add(new Entry(row.getLong("id"), row.getUUID("event_id"), row.getString("event_type"),
                        row.getString("connection_status"), row.getString("payload"), row.getOffsetDateTime("recorded_at")));
            }
            return entries;
        });
    }

    /** Deletes up to {@code limit} events recorded longer ago than {@code retention}; returns how many. */
    public static Uni<Integer> deleteOlderThan(SqlClient client, Duration retention, int limit) {
        return client.preparedQuery(DELETE_OLD).execute(Tuple.of(retention.toSeconds(), limit)).map(rows -> rows.rowCount());
    }
}
