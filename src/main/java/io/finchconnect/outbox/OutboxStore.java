package io.finchconnect.outbox;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.hibernate.reactive.mutiny.Mutiny;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the outbox table: the writer's insert, in the caller's transaction, and the relay's and the
 * operators' statements, each one autocommit statement: the relay never holds a transaction open across a Kafka
 * send. The relay's writes are fenced by the tokens of the partition leases it claimed under.
 */
public final class OutboxStore {

    /*
     * The writer's one statement: the per-key advisory lock serialises writers of one key until they commit, so
     * for one key id order is commit order and the relay can publish by id. pg_notify wakes the relay at commit;
     * its payload is the row's partition (the same hash as the table's generated column), so only the relay that
     * owns it queries, and identical notifications of one transaction are folded into one. JSON goes in as text:
     * bound straight to a jsonb parameter, the client would store a Java String as a JSON string.
     */
    public static final String INSERT = """
            INSERT INTO outbox (event_id, message_key, event_type, payload, headers)
            SELECT CAST($1 AS uuid), $2, $3, CAST(CAST($4 AS text) AS jsonb), CAST(CAST($5 AS text) AS jsonb)
            FROM (SELECT pg_advisory_xact_lock(hashtextextended($2, 0)),
                  pg_notify('%s', (hashtextextended($2, 0) & 63)::text)) AS serialised_per_key
            """.formatted(Outbox.CHANNEL);
    /** The same statement with Hibernate's ordinal parameters. */
    private static final String INSERT_IN_SESSION = INSERT.replace("$", "?");

    /**
     * Reads the oldest pending rows of the partitions this relay owns, under the tokens it owns them with (an
     * owner that lost a partition claims nothing more of it). No write: with one owner per partition nobody
     * else claims these rows, and only a failure of the row itself counts as an attempt. A parked row holds
     * back the later rows of its key until it is re-queued or skipped.
     * <p>
     * The shape keeps PostgreSQL on the pending index in id order whatever its statistics say: the owned
     * partitions are one array read once (a join with the lease table per row made the planner expect almost
     * no row to qualify, and once the table had been analysed it sorted the whole table on every claim), and
     * the rows still in flight are a hashed set, not an array compared with every candidate.
     */
    static final String CLAIM = """
            SELECT o.id, o.event_id, o.message_key, o.event_type, o.payload::text AS payload, o.headers::text AS headers,
                   o.created_at, o.attempts, o.partition
            FROM outbox o
            WHERE o.sent_at IS NULL AND o.parked_at IS NULL
              AND o.partition = ANY (ARRAY(SELECT p.partition FROM outbox_partition p
                                           WHERE p.partition = ANY($3) AND p.owner = $4
                                             AND p.token = ($5::bigint[])[p.partition + 1] AND p.lease_until > now()))
              AND o.id NOT IN (SELECT unnest($2::bigint[]))
              AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.parked_at IS NOT NULL
                              AND b.message_key = o.message_key AND b.id < o.id)
            ORDER BY o.id LIMIT $1
            """;
    /**
     * The partitions still owned under the tokens a batch was claimed with, as one array read once per
     * statement: joined per row instead, PostgreSQL looked every id up once per partition (64 index descents
     * per row) when it thought that cheaper.
     */
    private static final String STILL_OWNED = """
            ARRAY(SELECT p.partition FROM outbox_partition p
                  WHERE p.owner = $2 AND p.token = ($3::bigint[])[p.partition + 1])
            """.strip();
    /** One statement per batch, fenced: refused for rows of partitions whose token changed since the claim. */
    static final String DELETE_SENT_FENCED = """
            DELETE FROM outbox o WHERE o.id = ANY($1) AND o.partition = ANY (%s)
            """.formatted(STILL_OWNED);
    private static final String MARK_SENT_FENCED = """
            UPDATE outbox o SET sent_at = now() WHERE o.id = ANY($1) AND o.partition = ANY (%s)
            """.formatted(STILL_OWNED);
    /** Kafka refused the row itself: that is an attempt; the limit reached, it is parked. Fenced like settling. */
    private static final String RECORD_FAILURE = """
            UPDATE outbox o SET attempts = o.attempts + 1, last_error = $2,
                parked_at = CASE WHEN o.attempts + 1 >= $3 THEN now() END
            FROM outbox_partition p
            WHERE o.id = $1 AND p.partition = o.partition AND p.owner = $4 AND p.token = $5
            RETURNING o.parked_at IS NOT NULL AS parked
            """;
    /** Per partition (the totals are their sums), with the partitions that no live relay owns. */
    private static final String STATS = """
            SELECT partition, count(*) AS pending, min(created_at) AS oldest
            FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL GROUP BY partition
            """;
    private static final String PARKED_AND_UNOWNED = """
            SELECT (SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL) AS parked,
                   (SELECT count(*) FROM outbox_partition WHERE owner IS NULL OR lease_until < now()) AS unowned
            """;
    /** Skipped rows are the audit of a deliberate gap: kept for their own, longer retention. */
    private static final String DELETE_SENT = """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => $1)
                  AND (skipped_at IS NULL OR skipped_at < now() - make_interval(secs => $3)) LIMIT $2)
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

    /** Writes an event in the caller's Hibernate Reactive transaction; its JSON as text. */
    static Uni<Integer> insert(Mutiny.Session session, UUID eventId, String key, String type, String data, String headers) {
        return session.createNativeQuery(INSERT_IN_SESSION)
                .setParameter(1, eventId.toString())
                .setParameter(2, key)
                .setParameter(3, type)
                .setParameter(4, data)
                .setParameter(5, headers)
                .executeUpdate();
    }

    /** Reads the oldest pending rows of the given partitions, leaving out those of the batch still in flight. */
    public static Uni<List<OutboxMessage>> claim(SqlClient client, int batchSize, List<Long> inFlight,
                                                 List<Integer> partitions, String owner, long[] tokens) {
        if (partitions.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return client.preparedQuery(CLAIM).execute(Tuple.of(batchSize, inFlight.toArray(Long[]::new),
                        partitions.toArray(Integer[]::new), owner, PartitionLeases.boxed(tokens)))
                .map(OutboxStore::toMessages);
    }

    /** Deletes (or marks sent) the acknowledged rows still owned under the tokens; returns how many that was. */
    public static Uni<Integer> settleSent(SqlClient client, List<Long> ids, String owner, long[] tokens, boolean delete) {
        return ids.isEmpty() ? Uni.createFrom().item(0)
                : client.preparedQuery(delete ? DELETE_SENT_FENCED : MARK_SENT_FENCED)
                        .execute(Tuple.of(ids.toArray(Long[]::new), owner, PartitionLeases.boxed(tokens)))
                        .map(RowSet::rowCount);
    }

    /** Records a failure of the row itself; returns whether the row is now parked (false if the write was refused). */
    public static Uni<Boolean> recordFailure(SqlClient client, OutboxMessage message, String error, int maxAttempts,
                                             String owner, long[] tokens) {
        return client.preparedQuery(RECORD_FAILURE)
                .execute(Tuple.of(message.id(), error, maxAttempts, owner, tokens[message.partition()]))
                .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean("parked"));
    }

    public static Uni<OutboxStats> stats(SqlClient client) {
        return client.query(STATS).execute().chain(partitions -> client.query(PARKED_AND_UNOWNED).execute().map(rest -> {
            long pending = 0;
            OffsetDateTime oldest = null;
            Map<Integer, Long> perPartition = new TreeMap<>();
            for (Row row : partitions) {
                long rows = row.getLong("pending");
                OffsetDateTime oldestHere = row.getOffsetDateTime("oldest");
                pending += rows;
                perPartition.put((int) row.getShort("partition"), rows);
                oldest = oldest == null || oldestHere.isBefore(oldest) ? oldestHere : oldest;
            }
            Row row = rest.iterator().next();
            return new OutboxStats(pending, oldest, row.getLong("parked"), perPartition, row.getLong("unowned"));
        }));
    }

    public static Uni<Integer> deleteSentBefore(SqlClient client, Duration retention, Duration skippedRetention,
                                                int batchSize) {
        return client.preparedQuery(DELETE_SENT)
                .execute(Tuple.of(retention.toMillis() / 1000.0, batchSize, skippedRetention.toMillis() / 1000.0))
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
                    row.getOffsetDateTime("created_at"), row.getInteger("attempts"), row.getShort("partition")));
        }
        return messages;
    }

    private static Map<String, String> headers(String json) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (json != null) {
            new JsonObject(json).forEach(entry -> headers.put(entry.getKey(), String.valueOf(entry.getValue())));
        }
        return headers;
    }

    public record OutboxStats(long pending, OffsetDateTime oldestPending, long parked, Map<Integer, Long> pendingPerPartition,
                              long unownedPartitions) {

        public static final OutboxStats NONE = new OutboxStats(0, null, 0, Map.of(), 0);
    }

    public record ParkedMessage(long id, UUID eventId, String key, String type, int attempts, String lastError,
                                OffsetDateTime createdAt, OffsetDateTime parkedAt) {
    }
}
