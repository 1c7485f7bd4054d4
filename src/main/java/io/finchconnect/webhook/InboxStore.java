package io.finchconnect.webhook;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.finchconnect.webhook.InboxIntake.Entry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the inbox, the {@code incoming_events} table: events stored whichever way they came, the pending ones
 * of a leased connection, their retry schedule and their completion, the reconciler's hand-over, the backlog's
 * numbers and retention.
 */
public final class InboxStore {

    /** unnest: a Kafka poll's records are one statement, like a single webhook. */
    private static final String INSERT = """
            INSERT INTO incoming_events (event_id, channel, event_type, connection_id, entity_id, occurred_at, state,
                                         outcome, detail, traceparent, reported_status, job_id, job_url)
            SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[],
                                 $6::timestamptz[], $7::varchar[], $8::varchar[], $9::text[], $10::varchar[],
                                 $11::varchar[], $12::varchar[], $13::varchar[])
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """;
    /* Every waiting event of a leased connection, due or backing off: one answer from Finch covers them all. */
    private static final String PENDING = """
            SELECT event_id, channel, received_at, attempts, traceparent, entity_id, reported_status, event_type, job_id, job_url
            FROM incoming_events
            WHERE connection_id = $1 AND state = 'pending'
            ORDER BY received_at LIMIT $2
            """;
    /* The lease is given up in the same statement (inbox_leases is InboxLeaseStore's table). */
    private static final String RETRY_LATER = """
            WITH released AS (DELETE FROM inbox_leases WHERE connection_id = $1 AND owner = $2)
            UPDATE incoming_events SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $4)
            WHERE event_id = ANY($3) AND state = 'pending'
            """;
    private static final String MARK_DONE = """
            UPDATE incoming_events SET state = 'done', outcome = :outcome, detail = :detail, processed_at = now()
            WHERE event_id IN (:ids) AND state = 'pending'
            """;
    /*
     * One statement, its own transaction: SKIP LOCKED and the move of the due time make it once per interval. It
     * moves the due time in connections (ConnectionStore's table) because the hand-over and the move are one.
     */
    private static final String HAND_OVER_DUE_RECONCILIATIONS = """
            WITH due AS (
                SELECT connection_id FROM connections
                WHERE status <> 'disconnected' AND reconcile_due_at <= now()
                ORDER BY reconcile_due_at LIMIT $1 FOR UPDATE SKIP LOCKED),
            moved AS (
                UPDATE connections c SET reconcile_due_at = now() + make_interval(secs => $2)
                FROM due WHERE c.connection_id = due.connection_id RETURNING c.connection_id)
            INSERT INTO incoming_events (event_id, channel, event_type, connection_id, state, outcome)
            SELECT 'reconcile_' || md5(random()::text || clock_timestamp()::text || connection_id), 'reconcile',
                   'connection.reconcile', connection_id, 'pending', 'accepted'
            FROM moved
            ON CONFLICT (event_id) DO NOTHING
            """;
    private static final String STATS = """
            SELECT (SELECT count(*) FROM incoming_events WHERE state = 'pending') AS pending,
                   (SELECT min(received_at) FROM incoming_events WHERE state = 'pending') AS oldest,
                   (SELECT count(*) FROM connections WHERE status <> 'disconnected'
                       AND reconcile_due_at IS NOT NULL AND reconcile_due_at <= now()) AS overdue
            """;
    private static final String DELETE_DONE = """
            DELETE FROM incoming_events WHERE event_id IN (
                SELECT event_id FROM incoming_events
                WHERE state = 'done' AND received_at < now() - make_interval(secs => $1)
                LIMIT $2)
            """;

    private InboxStore() {
    }

    /** A waiting event of a leased connection. */
    public record Pending(String eventId, String channel, OffsetDateTime receivedAt, int attempts, String traceparent,
                          String entityId, String reportedStatus, String eventType, String jobId, String jobUrl) {

        /** Finch's webhook that a data sync finished: announced as it came, without asking Finch. */
        public boolean isDataSync() {
            return eventType != null && FinchEvent.DATA_SYNCS.contains(eventType)
                    && ("http".equals(channel) || "kafka".equals(channel));
        }

        /** Finch's own webhook saying the whole connection is disconnected. */
        public boolean saysConnectionDisconnected() {
            return entityId == null && "disconnected".equals(reportedStatus)
                    && ("http".equals(channel) || "kafka".equals(channel));
        }
    }

    /**
     * The backlog ({@code oldest}: when its oldest event came, {@code null} when there is none) and the live
     * connections whose reconciliation is due and not yet handed over.
     */
    public record Stats(long pending, OffsetDateTime oldest, long overdue) {
    }

    /**
     * Stores the entries in one statement; the pending ones carry {@code traceparent}. Returns the ids that were new.
     */
    public static Uni<Set<String>> insert(SqlClient client, List<Entry> entries, String traceparent) {
        int size = entries.size();
        String[] ids = new String[size], channels = new String[size], types = new String[size],
                connections = new String[size], entities = new String[size], states = new String[size],
                outcomes = new String[size], details = new String[size], traces = new String[size],
                reported = new String[size], jobIds = new String[size], jobUrls = new String[size];
        OffsetDateTime[] occurred = new OffsetDateTime[size];
        for (int i = 0; i < size; i++) {
            Entry entry = entries.get(i);
            ids[i] = entry.eventId();
            channels[i] = entry.channel().name().toLowerCase();
            types[i] = entry.eventType();
            connections[i] = entry.connectionId();
            entities[i] = entry.entityId();
            occurred[i] = entry.occurredAt();
            states[i] = entry.pending() ? "pending" : "done";
            outcomes[i] = entry.outcome().label();
            details[i] = entry.detail();
            traces[i] = entry.pending() ? traceparent : null;
            reported[i] = entry.reportedStatus();
            jobIds[i] = entry.jobId();
            jobUrls[i] = entry.jobUrl();
        }
        return client.preparedQuery(INSERT)
                .execute(Tuple.from(new Object[] { ids, channels, types, connections, entities, occurred, states, outcomes, details, traces, reported, jobIds, jobUrls }))
                .map(rows -> {
                    Set<String> inserted = new HashSet<>();
                    for (Row row : rows) {
                        inserted.add(row.getString(0));
                    }
                    return inserted;
                });
    }

    /** Up to {@code limit} waiting events of the connection, oldest first. */
    public static Uni<List<Pending>> pending(SqlClient client, String connectionId, int limit) {
        return client.preparedQuery(PENDING).execute(Tuple.of(connectionId, limit)).map(rows -> {
            List<Pending> pending = new ArrayList<>();
            for (Row row : rows) {
                pending.add(new Pending(row.getString("event_id"), row.getString("channel"),
                        row.getOffsetDateTime("received_at"), row.getInteger("attempts"), row.getString("traceparent"),
                        row.getString("entity_id"), row.getString("reported_status"), row.getString("event_type"),
                        row.getString("job_id"), row.getString("job_url")));
            }
            return pending;
        });
    }

    /** Counts an attempt of the events and puts their next one {@code delay} ahead, giving up {@code owner}'s lease. */
    public static Uni<Void> retryLater(SqlClient client, String connectionId, String owner, String[] eventIds, Duration delay) {
        return client.preparedQuery(RETRY_LATER).execute(Tuple.of(connectionId, owner, eventIds, delay.toMillis() / 1000.0))
                .replaceWithVoid();
    }

    /** Marks the events done with their outcome, in the current Hibernate Reactive transaction. */
    public static Uni<Void> markDone(List<String> eventIds, IncomingOutcome outcome, String detail) {
        return Panache.getSession().chain(session -> session.createNativeQuery(MARK_DONE)
                        .setParameter("outcome", outcome.label())
                        .setParameter("detail", detail)
                        .setParameter("ids", eventIds)
                        .executeUpdate())
                .replaceWithVoid();
    }

    /**
     * Hands up to {@code limit} live connections whose reconciliation is due to the inbox, each as an event of its
     * own, and moves their due time {@code interval} ahead; returns how many were handed over.
     */
    public static Uni<Integer> handOverDueReconciliations(SqlClient client, int limit, Duration interval) {
        return client.preparedQuery(HAND_OVER_DUE_RECONCILIATIONS).execute(Tuple.of(limit, interval.toMillis() / 1000.0))
                .map(RowSet::rowCount);
    }

    public static Uni<Stats> stats(SqlClient client) {
        return client.query(STATS).execute().map(rows -> {
            Row row = rows.iterator().next();
            return new Stats(row.getLong("pending"), row.getOffsetDateTime("oldest"), row.getLong("overdue"));
        });
    }

    /** Deletes up to {@code batchSize} handled events received more than {@code retention} ago; returns how many. */
    public static Uni<Integer> deleteDoneBefore(SqlClient client, Duration retention, int batchSize) {
        return client.preparedQuery(DELETE_DONE).execute(Tuple.of(retention.toMillis() / 1000.0, batchSize))
                .map(RowSet::rowCount);
    }
}
