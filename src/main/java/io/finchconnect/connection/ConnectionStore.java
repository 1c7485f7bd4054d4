package io.finchconnect.connection;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.finchconnect.common.database.Rows;
import io.finchconnect.connection.ConnectionReads.ConnectionSummary;
import io.finchconnect.connection.ConnectionReads.ConnectionView;
import io.finchconnect.connection.ConnectionReads.EntityView;
import io.finchconnect.connection.ConnectionReads.Page;
import io.finchconnect.connection.ConnectionReads.ReauthSessionView;
import io.finchconnect.connection.ConnectionReads.SealedToken;
import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenReencryption.KeyUsage;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the {@code connections} table, for every feature that reads or writes it outside the entity: each
 * method is one statement on the client it is given (the pool, or a transaction's connection). Some statements read
 * other features' tables too (the reauth session of the current episode, a customer's existence); they are here
 * because their main table, or the one they write, is {@code connections}.
 */
public final class ConnectionStore {

    /** The status column holds Finch's name of the status; a disconnected connection is history, not a conflict. */
    private static final String LIVE_CONNECTION_OF_CUSTOMER =
            "SELECT connection_id, status, reauth_episode FROM connections WHERE customer_id = $1 AND status <> 'disconnected'";
    private static final String CONNECTIONS_OF_CUSTOMER =
            "SELECT connection_id, status, connected_at FROM connections WHERE customer_id = $1 ORDER BY connected_at, connection_id";
    /** The reauth session shown is the current episode's while one is open (one statement). */
    private static final String CONNECTION_WITH_REAUTH_SESSION = """
            SELECT c.connection_id, c.customer_id, c.status, c.status_changed_at, c.company_id, c.provider_id,
                   c.connection_type, c.products, c.entity_ids, c.entity_statuses_by_id, c.connected_at, r.session_id AS reauth_session_id,
                   r.connect_url AS reauth_connect_url, r.expires_at AS reauth_expires_at
            FROM connections c
            LEFT JOIN reauth_sessions r ON (c.status IN ('reauth', 'error_permissions', 'error_no_account_setup')
                 OR c.reauth_requested_at IS NOT NULL OR c.reauth_open) AND r.connection_id = c.connection_id
                 AND r.episode = c.reauth_episode AND r.expires_at > now()
            WHERE c.connection_id = $1
            """;
    private static final String SEALED_TOKEN = """
            SELECT connection_id, customer_id, status, token_key_id, token_ciphertext, token_format FROM connections WHERE connection_id = $1
            """;
    private static final String TOKEN_AND_VERSION = """
            SELECT token_key_id, token_ciphertext, token_format, version FROM connections WHERE connection_id = $1
            """;
    private static final String CUSTOMER_OF_CONNECTION = "SELECT customer_id FROM connections WHERE connection_id = $1";
    private static final String PAGE = """
            SELECT connection_id, customer_id, status, status_changed_at, company_id, provider_id, connection_type,
                   products, entity_ids, connected_at FROM connections WHERE true""";
    private static final String PER_STATUS = "SELECT status, count(*) AS connections FROM connections GROUP BY status";
    private static final String REAUTH_STANDING = """
            SELECT customer_id, status, reauth_episode, reauth_requested_at IS NOT NULL OR reauth_open AS episode_open
            FROM connections WHERE connection_id = $1
            """;
    /** One statement, released before Finch is called: no request holds a pooled connection while it waits. */
    private static final String WHAT_IS_KNOWN_FOR_ADOPTION = """
            SELECT (SELECT customer_id FROM connections WHERE connection_id = $1) AS owner,
                   EXISTS (SELECT 1 FROM customers WHERE customer_id = $2) AS customer_known,
                   (SELECT connection_id FROM connections WHERE customer_id = $2 AND status <> 'disconnected') AS live_id,
                   (SELECT status FROM connections WHERE customer_id = $2 AND status <> 'disconnected') AS live_status
            """;

    /*
     * One statement: SKIP LOCKED inside the statement's own transaction and the lease it writes keep two
     * instances from asking Finch for the same episode at once.
     */
    private static final String LEASE_DUE_FOR_REAUTH_SESSION = """
            UPDATE connections SET reauth_next_attempt_at = now() + make_interval(secs => $2)
            WHERE connection_id IN (
                SELECT c.connection_id FROM connections c
                WHERE c.status IN ('reauth', 'error_permissions', 'error_no_account_setup')
                  AND (c.reauth_next_attempt_at IS NULL OR c.reauth_next_attempt_at <= now())
                  AND ($3::varchar IS NULL OR c.connection_id = $3)
                  AND NOT EXISTS (SELECT 1 FROM reauth_sessions r WHERE r.connection_id = c.connection_id
                                  AND r.episode = c.reauth_episode AND r.expires_at > now())
                  AND NOT EXISTS (SELECT 1 FROM reauth_session_intents i WHERE i.connection_id = c.connection_id
                                  AND i.episode = c.reauth_episode AND i.retry_at > now())
                ORDER BY c.reauth_next_attempt_at NULLS FIRST
                LIMIT $1
                FOR UPDATE SKIP LOCKED)
            RETURNING connection_id, reauth_episode, reauth_attempts
            """;
    private static final String RETRY_REAUTH_SESSION_LATER = """
            UPDATE connections SET reauth_attempts = reauth_attempts + 1,
                                   reauth_next_attempt_at = now() + make_interval(secs => $3)
            WHERE connection_id = $1 AND reauth_episode = $2
            """;
    private static final String CUSTOMERS_REDIRECT_URI = """
            SELECT s.redirect_uri FROM connections c JOIN staged_sessions s ON s.customer_id = c.customer_id
            WHERE c.connection_id = $1
            """;
    private static final String HAND_BACK_REAUTH_SESSION = """
            UPDATE connections SET reauth_next_attempt_at = now()
            WHERE connection_id = $1 AND reauth_episode = $2 AND reauth_next_attempt_at > now()
            """;

    private static final String SPREAD_RECONCILIATION = """
            UPDATE connections SET reconcile_due_at = now() + random() * make_interval(secs => $1)
            WHERE connection_id IN (SELECT connection_id FROM connections
                                    WHERE reconcile_due_at IS NULL AND status <> 'disconnected'
                                    LIMIT 1000 FOR UPDATE SKIP LOCKED)
            """;

    // FOR UPDATE re-checks the WHERE clause on the newest row version, so a row another run re-encrypted
    // after this statement's snapshot is not selected again.
    private static final String TOKENS_TO_RESEAL = """
            SELECT connection_id, token_key_id, token_ciphertext, token_format FROM connections
            WHERE connection_id > $1 AND (token_key_id <> $2 OR token_format <> $3)
            ORDER BY connection_id LIMIT $4
            FOR UPDATE SKIP LOCKED
            """;
    // Runs in the transaction of TOKENS_TO_RESEAL, under its row locks; entity writers lock the row before they
    // read it (docs/architecture.md), so none writes an old ciphertext back. The new ciphertext bumps the row's
    // version (V14's trigger): an introspection asked with the old one is asked again, a harmless repeat.
    private static final String STORE_TOKEN = """
            UPDATE connections SET token_key_id = $2, token_ciphertext = $3, token_format = $4
            WHERE connection_id = $1
            """;
    private static final String PURGE_DISCONNECTED_TOKENS = """
            UPDATE connections SET token_key_id = NULL, token_ciphertext = NULL, token_format = NULL
            WHERE connection_id IN (SELECT connection_id FROM connections
                                    WHERE status = 'disconnected' AND token_ciphertext IS NOT NULL
                                    LIMIT $1 FOR UPDATE SKIP LOCKED)
            """;
    private static final String TOKENS_BY_KEY = """
            SELECT token_key_id, token_format, count(*) AS connections FROM connections
            WHERE token_ciphertext IS NOT NULL
            GROUP BY token_key_id, token_format ORDER BY token_key_id, token_format
            """;

    private ConnectionStore() {
    }

    /** A customer's live connection: {@code status} is Finch's name of it. */
    public record LiveConnection(String connectionId, String status, int reauthEpisode) {
    }

    /** One of a customer's connections, old ones included. */
    public record CustomerConnection(String connectionId, String status, OffsetDateTime connectedAt) {
    }

    /** Where a connection stands for a requested reauthentication session. */
    public record ReauthStanding(String customerId, String status, int reauthEpisode, boolean episodeOpen) {
    }

    /**
     * What is known before a stranded connection is adopted: its owner ({@code null}: this service does not know
     * it), whether the customer exists, and the customer's live connection, if any.
     */
    public record WhatIsKnown(String owner, boolean customerKnown, String liveId, String liveStatus) {
    }

    /** A connection whose reauth episode lacks its session, leased to this instance. */
    public record ReauthDue(String connectionId, int episode, int attempts) {
    }

    /**
     * A token as its columns hold it; {@link #token()} reads them as an {@link EncryptedToken}, which fails with a
     * {@code TokenVaultException} on a format this release does not know.
     */
    public record StoredToken(String connectionId, String keyId, byte[] ciphertext, int format) {

        public EncryptedToken token() {
            return EncryptedToken.stored(keyId, ciphertext, format);
        }
    }

    /** A connection's token, to be written. */
    public record ConnectionToken(String connectionId, EncryptedToken token) {
    }

    /** The customer's live connection, or {@code null}. */
    public static Uni<LiveConnection> liveConnectionOf(SqlClient client, String customerId) {
        return client.preparedQuery(LIVE_CONNECTION_OF_CUSTOMER).execute(Tuple.of(customerId))
                .map(rows -> Rows.firstOrNull(rows, row -> new LiveConnection(row.getString("connection_id"),
                        row.getString("status"), row.getInteger("reauth_episode"))));
    }

    /** The customer's connections, oldest first, disconnected ones included. */
    public static Uni<List<CustomerConnection>> ofCustomer(SqlClient client, String customerId) {
        return client.preparedQuery(CONNECTIONS_OF_CUSTOMER).execute(Tuple.of(customerId)).map(rows -> {
            List<CustomerConnection> connections = new ArrayList<>();
            for (Row row : rows) {
                connections.add(new CustomerConnection(row.getString("connection_id"), row.getString("status"),
                        row.getOffsetDateTime("connected_at")));
            }
            return connections;
        });
    }

    /** The connection with its open reauth session; {@code null} for a connection this service does not know. */
    public static Uni<ConnectionView> view(SqlClient client, String connectionId) {
        return client.preparedQuery(CONNECTION_WITH_REAUTH_SESSION).execute(Tuple.of(connectionId))
                .map(rows -> Rows.firstOrNull(rows, row -> {
                    ReauthSessionView session = row.getString("reauth_session_id") == null ? null : new ReauthSessionView(
                            row.getString("reauth_session_id"), row.getString("reauth_connect_url"),
                            row.getOffsetDateTime("reauth_expires_at"));
                    return new ConnectionView(row.getString("connection_id"), row.getString("customer_id"),
                            row.getString("status"), row.getOffsetDateTime("status_changed_at"), row.getString("company_id"),
                            row.getString("provider_id"), row.getString("connection_type"),
                            List.of(row.getArrayOfStrings("products")), List.of(row.getArrayOfStrings("entity_ids")),
                            entities(row), row.getOffsetDateTime("connected_at"), session);
                }));
    }

    /** The connection's token with whose it is; {@code null} for a connection this service does not know. */
    public static Uni<SealedToken> sealedToken(SqlClient client, String connectionId) {
        return client.preparedQuery(SEALED_TOKEN).execute(Tuple.of(connectionId))
                .map(rows -> Rows.firstOrNull(rows, row -> new SealedToken(row.getString("connection_id"),
                        row.getString("customer_id"), row.getString("status"), row.getBuffer("token_ciphertext") == null ? null
                                : EncryptedToken.stored(row.getString("token_key_id"), row.getBuffer("token_ciphertext").getBytes(),
                                        row.getShort("token_format")))));
    }

    /**
     * The connection's token with the version of the row it was read from: what an observation of Finch is asked
     * with, and the version it is applied against. {@code null} for a connection this service does not know.
     */
    public static Uni<VersionedToken> tokenAndVersionOf(SqlClient client, String connectionId) {
        return client.preparedQuery(TOKEN_AND_VERSION).execute(Tuple.of(connectionId))
                .map(rows -> Rows.firstOrNull(rows, row -> new VersionedToken(row.getBuffer("token_ciphertext") == null
                        ? null : storedToken(connectionId, row), row.getInteger("version"))));
    }

    /** {@code token} null: the connection is disconnected, its token deleted with it. */
    public record VersionedToken(StoredToken token, int version) {
    }

    /** The connection's customer; {@code null} for a connection this service does not know. */
    public static Uni<String> customerOf(SqlClient client, String connectionId) {
        return client.preparedQuery(CUSTOMER_OF_CONNECTION).execute(Tuple.of(connectionId))
                .map(rows -> Rows.firstOrNull(rows, row -> row.getString("customer_id")));
    }

    /**
     * Keyset pagination on {@code connection_id}, filtered by status and/or customer ({@code null}: any); the
     * filters use the V8 indexes {@code (status, connection_id)} and {@code (customer_id, connection_id)}.
     */
    public static Uni<Page> page(SqlClient client, String statusName, String customer, Boolean stale, String afterKey,
                                 int size) {
        StringBuilder sql = new StringBuilder(PAGE);
        List<Object> values = new ArrayList<>();
        if (statusName != null) {
            values.add(statusName);
            sql.append(" AND status = $").append(values.size());
        }
        if (customer != null) {
            values.add(customer);
            sql.append(" AND customer_id = $").append(values.size());
        }
        if (stale != null) {
            sql.append(stale ? " AND stale_since IS NOT NULL" : " AND stale_since IS NULL");
        }
        if (afterKey != null) {
            values.add(afterKey);
            sql.append(" AND connection_id > $").append(values.size());
        }
        values.add(size + 1);
        sql.append(" ORDER BY connection_id LIMIT $").append(values.size());
        return client.preparedQuery(sql.toString()).execute(Tuple.from(values)).map(rows -> {
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

    /** How many connections are in each status, by Finch's name of the status. */
    public static Uni<Map<String, Long>> countPerStatus(SqlClient client) {
        return client.query(PER_STATUS).execute().map(rows -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (Row row : rows) {
                counts.put(row.getString("status"), row.getLong("connections"));
            }
            return counts;
        });
    }

    /** {@code null} when this service knows no such connection. */
    public static Uni<ReauthStanding> reauthStanding(SqlClient client, String connectionId) {
        return client.preparedQuery(REAUTH_STANDING).execute(Tuple.of(connectionId))
                .map(rows -> Rows.firstOrNull(rows, row -> new ReauthStanding(row.getString("customer_id"),
                        row.getString("status"), row.getInteger("reauth_episode"), row.getBoolean("episode_open"))));
    }

    public static Uni<WhatIsKnown> whatIsKnownForAdoption(SqlClient client, String connectionId, String customerId) {
        return client.preparedQuery(WHAT_IS_KNOWN_FOR_ADOPTION).execute(Tuple.of(connectionId, customerId)).map(rows -> {
            Row row = rows.iterator().next();
            return new WhatIsKnown(row.getString("owner"), row.getBoolean("customer_known"), row.getString("live_id"),
                    row.getString("live_status"));
        });
    }

    /** Leases up to {@code limit} connections due for a reauth session; only {@code connectionId}'s when given. */
    public static Uni<List<ReauthDue>> leaseDueForReauthSession(SqlClient client, int limit, Duration lease, String connectionId) {
        return client.preparedQuery(LEASE_DUE_FOR_REAUTH_SESSION)
                .execute(Tuple.of(limit, lease.toMillis() / 1000.0, connectionId)).map(rows -> {
                    List<ReauthDue> due = new ArrayList<>();
                    for (Row row : rows) {
                        due.add(new ReauthDue(row.getString("connection_id"), row.getInteger("reauth_episode"),
                                row.getInteger("reauth_attempts")));
                    }
                    return due;
                });
    }

    /** Counts an attempt of the episode's session and puts the next one {@code delay} ahead. */
    public static Uni<Void> retryReauthSessionLater(SqlClient client, ReauthDue due, Duration delay) {
        return client.preparedQuery(RETRY_REAUTH_SESSION_LATER)
                .execute(Tuple.of(due.connectionId(), due.episode(), delay.toMillis() / 1000.0))
                .replaceWithVoid();
    }

    /**
     * The redirect URI of the last session request of the connection's customer (its staged session's); {@code null}
     * when there is none or it was an embedded-flow request.
     */
    public static Uni<String> customersRedirectUri(SqlClient client, String connectionId) {
        return client.preparedQuery(CUSTOMERS_REDIRECT_URI).execute(Tuple.of(connectionId))
                .map(rows -> Rows.firstOrNull(rows, row -> row.getString("redirect_uri")));
    }

    /** Gives up a lease of {@link #leaseDueForReauthSession} unused: the episode's session is due again at once. */
    public static Uni<Void> handBackReauthSession(SqlClient client, ReauthDue due) {
        return client.preparedQuery(HAND_BACK_REAUTH_SESSION).execute(Tuple.of(due.connectionId(), due.episode()))
                .replaceWithVoid();
    }

    /** Gives live connections never reconciled a due time at random within {@code interval}. */
    public static Uni<Void> spreadReconciliation(SqlClient client, Duration interval) {
        return client.preparedQuery(SPREAD_RECONCILIATION).execute(Tuple.of(interval.toMillis() / 1000.0)).replaceWithVoid();
    }

    /**
     * Locks the next {@code limit} connections after {@code after} whose token is not under {@code keyId} in
     * {@code format}, skipping rows another transaction holds; run it in the transaction that stores their new tokens.
     */
    public static Uni<List<StoredToken>> lockTokensToReseal(SqlClient client, String after, String keyId, int format,
                                                            int limit) {
        return client.preparedQuery(TOKENS_TO_RESEAL).execute(Tuple.of(after, keyId, (short) format, limit)).map(rows -> {
            List<StoredToken> tokens = new ArrayList<>();
            for (Row row : rows) {
                tokens.add(storedToken(row.getString("connection_id"), row));
            }
            return tokens;
        });
    }

    public static Uni<Void> storeTokens(SqlClient client, List<ConnectionToken> tokens) {
        List<Tuple> updates = tokens.stream().map(one -> Tuple.of(one.connectionId(), one.token().keyId(),
                Buffer.buffer(one.token().ciphertext()), (short) one.token().format().code())).toList();
        return client.preparedQuery(STORE_TOKEN).executeBatch(updates).replaceWithVoid();
    }

    /** Deletes the tokens of up to {@code limit} disconnected connections that still hold one; returns how many. */
    public static Uni<Integer> purgeDisconnectedTokens(SqlClient client, int limit) {
        return client.preparedQuery(PURGE_DISCONNECTED_TOKENS).execute(Tuple.of(limit)).map(rows -> rows.rowCount());
    }

    /** How many connections hold a token under each key id and format. */
    public static Uni<List<KeyUsage>> tokensByKey(SqlClient client) {
        return client.query(TOKENS_BY_KEY).execute().map(rows -> {
            List<KeyUsage> usage = new ArrayList<>();
            for (Row row : rows) {
                usage.add(new KeyUsage(row.getString("token_key_id"), row.getShort("token_format"), row.getLong("connections")));
            }
            return usage;
        });
    }

    private static StoredToken storedToken(String connectionId, Row row) {
        return new StoredToken(connectionId, row.getString("token_key_id"), row.getBuffer("token_ciphertext").getBytes(),
                row.getShort("token_format"));
    }

    private static ConnectionSummary summary(Row row) {
        return new ConnectionSummary(row.getString("connection_id"), row.getString("customer_id"), row.getString("status"),
                row.getOffsetDateTime("status_changed_at"), row.getString("company_id"), row.getString("provider_id"),
                row.getString("connection_type"), List.of(row.getArrayOfStrings("products")),
                List.of(row.getArrayOfStrings("entity_ids")), row.getOffsetDateTime("connected_at"));
    }

    private static List<EntityView> entities(Row row) {
        String[] ids = row.getArrayOfStrings("entity_ids");
        JsonObject statuses = row.getJsonObject("entity_statuses_by_id");
        List<EntityView> entities = new ArrayList<>();
        for (String id : ids) {
            entities.add(new EntityView(id, statuses.getString(id)));
        }
        return entities;
    }
}
