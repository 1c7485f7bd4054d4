package io.finchconnect.outbox;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The relay's and the operators' SQL on the outbox table. Each method is one autocommit statement: the
 * relay never holds a transaction open across a Kafka send.
 */
public final class OutboxStore {

    /**
     * Counts the attempt when the row is claimed, so a relay that crashes on a row still reaches the limit.
     * A parked row holds back the later rows of its key until it is re-queued or skipped.
     */
    private static final String CLAIM = """
            UPDATE outbox SET attempts = attempts + 1
            WHERE id IN (SELECT o.id FROM outbox o
                         WHERE o.sent_at IS NULL AND o.parked_at IS NULL AND NOT (o.id = ANY($2))
                           AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.parked_at IS NOT NULL
                                           AND p.message_key = o.message_key AND p.id < o.id)
                         ORDER BY o.id LIMIT $1)
            RETURNING id, event_id, message_key, event_type, payload::text AS payload, headers::text AS headers, created_at, attempts
            """;
    private static final String MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY($1)";
    /**
     * The failure was Kafka's, or the row was held back behind a failed row of its key, not the row's own:
     * give the claim back so an outage never parks rows. A held-back row keeps its last error.
     */
    private static final String RELEASE = """
            UPDATE outbox SET attempts = attempts - 1, last_error = coalesce($2, last_error) WHERE id = ANY($1)
            """;
    private static final String RECORD_FAILURE = """
            UPDATE outbox SET last_error = $2, parked_at = CASE WHEN attempts >= $3 THEN now() END
            WHERE id = $1 RETURNING parked_at IS NOT NULL AS parked
            """;
    private static final String PARK_EXHAUSTED = """
            UPDATE outbox SET parked_at = now(),
                last_error = coalesce(last_error || '; ', '') || 'claimed ' || attempts || ' times without being sent'
            WHERE id = ANY($1)
            """;
    private static final String STATS = """
            SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL) AS pending,
                   (SELECT min(created_at) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL) AS oldest,
                   (SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL) AS parked
            """;
    private static final String DELETE_SENT = """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => $1) LIMIT $2)
            """;
    private static final String LIST_PARKED = """
            SELECT id, event_id, message_key, event_type, attempts, last_error, created_at, parked_at
            FROM outbox WHERE parked_at IS NOT NULL ORDER BY id LIMIT $1
            """;
    private static final String REQUEUE = """
            UPDATE outbox SET parked_at = NULL, attempts = 0 WHERE parked_at IS NOT NULL AND (event_id = $1 OR $1 IS NULL)
            """;

    /** Never published: the key's later rows go on without it. The row stays until retention, as the audit. */
    private static final String SKIP = """
            UPDATE outbox SET parked_at = NULL, sent_at = now(), skipped_at = now(), skipped_by = $2
            WHERE parked_at IS NOT NULL AND event_id = $1
            """;

    private OutboxStore() {
    }

    /** Claims the oldest pending rows, leaving out those of the batch still in flight. */
    public static Uni<List<OutboxMessage>> claim(SqlClient client, int batchSize, List<Long> inFlight) {
        return client.preparedQuery(CLAIM).execute(Tuple.of(batchSize, inFlight.toArray(Long[]::new)))
                .map(OutboxStore::toMessages);
    }

    public static Uni<Integer> markSent(SqlClient client, List<Long> ids) {
        return ids.isEmpty() ? Uni.createFrom().item(0)
                : client.preparedQuery(MARK_SENT).execute(Tuple.of(ids.toArray(Long[]::new))).map(RowSet::rowCount);
    }

    public static Uni<Integer> release(SqlClient client, List<Long> ids, String error) {
        return ids.isEmpty() ? Uni.createFrom().item(0)
                : client.preparedQuery(RELEASE).execute(Tuple.of(ids.toArray(Long[]::new), error)).map(RowSet::rowCount);
    }

    /** Records a failure of the row itself; returns whether the row is now parked. */
    public static Uni<Boolean> recordFailure(SqlClient client, long id, String error, int maxAttempts) {
        return client.preparedQuery(RECORD_FAILURE).execute(Tuple.of(id, error, maxAttempts))
                .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean("parked"));
    }

    public static Uni<Integer> parkExhausted(SqlClient client, List<Long> ids) {
        return ids.isEmpty() ? Uni.createFrom().item(0)
                : client.preparedQuery(PARK_EXHAUSTED).execute(Tuple.of(ids.toArray(Long[]::new))).map(RowSet::rowCount);
    }

    public static Uni<OutboxStats> stats(SqlClient client) {
        return client.query(STATS).execute().map(rows -> {
            Row row = rows.iterator().next();
            return new OutboxStats(row.getLong("pending"), row.getOffsetDateTime("oldest"), row.getLong("parked"));
        });
    }

    public static Uni<Integer> deleteSentBefore(SqlClient client, Duration retention, int batchSize) {
        return client.preparedQuery(DELETE_SENT)
                .execute(Tuple.of(retention.toMillis() / 1000.0, batchSize))
                .map(RowSet::rowCount);
    }

    public static Uni<List<ParkedMessage>> listParked(SqlClient client, int limit) {
        return client.preparedQuery(LIST_PARKED).execute(Tuple.of(limit)).map(rows -> {
            List<ParkedMessage> parked = new ArrayList<>();
            for (Row row : rows) {
                parked.add(new ParkedMessage(row.getLong("id"), row.getUUID("event_id"), row.getString("message_key"),
                        row.getString("event_type"), row.getInteger("attempts"), row.getString("last_error"),
                        row.getOffsetDateTime("created_at"), row.getOffsetDateTime("parked_at")));
            }
            return parked;
        });
    }

    /** Puts parked rows back in the queue with fresh attempts: one by event id, or all when {@code eventId} is null. */
    public static Uni<Integer> requeue(SqlClient client, UUID eventId) {
        return client.preparedQuery(REQUEUE).execute(Tuple.of(eventId)).map(RowSet::rowCount);
    }

    /** Skips one parked row for good, recording who did it; returns how many rows that was (0 or 1). */
    public static Uni<Integer> skip(SqlClient client, UUID eventId, String operator) {
        return client.preparedQuery(SKIP).execute(Tuple.of(eventId, operator)).map(RowSet::rowCount);
    }

    private static List<OutboxMessage> toMessages(RowSet<Row> rows) {
        List<OutboxMessage> messages = new ArrayList<>(rows.rowCount());
        for (Row row : rows) {
            messages.add(new OutboxMessage(row.getLong("id"), row.getUUID("event_id"), row.getString("message_key"),
                    row.getString("event_type"), row.getString("payload"), headers(row.getString("headers")),
                    row.getOffsetDateTime("created_at"), row.getInteger("attempts")));
        }
        // RETURNING gives no order guarantee; per-key order depends on publishing by id.
        messages.sort((a, b) -> Long.compare(a.id(), b.id()));
        return messages;
    }

    private static Map<String, String> headers(String json) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (json != null) {
            new JsonObject(json).forEach(entry -> headers.put(entry.getKey(), String.valueOf(entry.getValue())));
        }
        return headers;
    }

    public record OutboxStats(long pending, OffsetDateTime oldestPending, long parked) {
    }

    public record ParkedMessage(long id, UUID eventId, String key, String type, int attempts, String lastError,
                                OffsetDateTime createdAt, OffsetDateTime parkedAt) {
    }
}
