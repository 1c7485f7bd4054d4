package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

import io.finchconnect.common.database.Rows;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the {@code staged_sessions} table: the upsert that stores a customer with its staged session, its reads,
 * and its consumption when the customer connected through it.
 */
public final class StagedSessionStore {

    /**
     * The customer and its staged session in one statement, atomic without an explicit transaction: one round
     * trip holds a pooled connection instead of four (BEGIN, two statements, COMMIT), each of which waits for
     * the event loop when it is busy. The foreign key is checked at the statement's end, after the CTE's row.
     * A different session id from Finch means the stored one was completed (Finch stages a new one only then):
     * the row is that new session, unconsumed, and version 0 tells the one request that staged it (201) from
     * the refreshes of it (200), which find the new id already stored.
     */
    private static final String UPSERT_CUSTOMER_AND_SESSION = """
            WITH customer AS (
                INSERT INTO customers (customer_id, customer_name, customer_email) VALUES ($1, $2, $3)
                ON CONFLICT (customer_id) DO UPDATE SET customer_name = EXCLUDED.customer_name,
                    customer_email = EXCLUDED.customer_email, updated_at = now()
            )
            INSERT INTO staged_sessions (customer_id, session_id, connect_url, products, redirect_uri, integration_provider,
                integration_auth, sandbox, manual, minutes_to_expire, expires_at, recordkeeper, recordkeeping_plan_id)
            VALUES ($1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            ON CONFLICT (customer_id) DO UPDATE SET session_id = EXCLUDED.session_id, connect_url = EXCLUDED.connect_url,
                recordkeeper = EXCLUDED.recordkeeper, recordkeeping_plan_id = EXCLUDED.recordkeeping_plan_id,
                products = EXCLUDED.products, redirect_uri = EXCLUDED.redirect_uri,
                integration_provider = EXCLUDED.integration_provider, integration_auth = EXCLUDED.integration_auth,
                sandbox = EXCLUDED.sandbox, manual = EXCLUDED.manual, minutes_to_expire = EXCLUDED.minutes_to_expire,
                expires_at = EXCLUDED.expires_at, refreshed_at = now(),
                created_at = CASE WHEN staged_sessions.session_id = EXCLUDED.session_id THEN staged_sessions.created_at ELSE now() END,
                consumed_at = CASE WHEN staged_sessions.session_id = EXCLUDED.session_id THEN staged_sessions.consumed_at END,
                version = CASE WHEN staged_sessions.session_id = EXCLUDED.session_id THEN staged_sessions.version + 1 ELSE 0 END
            RETURNING (xmax = 0 OR version = 0) AS inserted
            """;
    private static final String OF_CUSTOMER = """
            SELECT session_id, connect_url, products, redirect_uri, integration_provider, integration_auth, sandbox, manual,
                   minutes_to_expire, expires_at, expires_at > now() AND consumed_at IS NULL AS valid, recordkeeper, recordkeeping_plan_id
            FROM staged_sessions WHERE customer_id = $1
            """;
    /** The customer's staged session was used: a new request after a disconnect must stage a fresh one. */
    private static final String CONSUME =
            "UPDATE staged_sessions SET consumed_at = now() WHERE customer_id = :customerId AND consumed_at IS NULL";
    /**
     * Whichever kind of session it is, staged, reauthentication or adoption (the other two are reauth's tables), in
     * one statement: the callback asks before it knows the kind.
     */
    private static final String REDIRECT_URI_OF_SESSION = """
            SELECT 'staged' AS kind, redirect_uri FROM staged_sessions WHERE session_id = $1
            UNION ALL
            SELECT 'reauth' AS kind, redirect_uri FROM reauth_sessions WHERE session_id = $1
            UNION ALL
            SELECT 'adoption' AS kind, redirect_uri FROM connection_adoptions WHERE session_id = $1
            """;

    private StagedSessionStore() {
    }

    /** A customer's staged session as stored; {@code valid}: unexpired and not consumed. */
    public record StagedSession(String sessionId, String connectUrl, List<String> products, String redirectUri,
                                String integrationProvider, String integrationAuth, String sandbox, Boolean manual,
                                int minutesToExpire, OffsetDateTime expiresAt, boolean valid, String recordkeeper,
                                String recordkeepingPlanId) {
    }

    /** The kind of a session ({@code staged}, {@code reauth}, {@code adoption}) and the redirect URI it was created with. */
    public record SessionRedirectUri(String kind, String redirectUri) {
    }

    /**
     * Stores the customer and the session Finch staged for it; returns whether this call staged it (rather than
     * refreshed it).
     */
    public static Uni<Boolean> upsertWithCustomer(SqlClient client, StagedSessionRequest request, String sessionId,
                                                  String connectUrl, OffsetDateTime expiresAt) {
        return client.preparedQuery(UPSERT_CUSTOMER_AND_SESSION).execute(Tuple.from(new Object[] {
                        request.customerId(), request.customerName(), request.customerEmail(), sessionId,
                        connectUrl, request.products().toArray(String[]::new), request.redirectUri(),
                        request.integrationProvider(), request.integrationAuthMethod(), request.sandbox(),
                        request.manual(), request.minutesToExpire(), expiresAt,
                        request.recordkeeping() == null ? null : request.recordkeeping().recordkeeper(),
                        request.recordkeeping() == null ? null : request.recordkeeping().planId() }))
                .map(rows -> rows.iterator().next().getBoolean("inserted"));
    }

    /** {@code null} when the customer has no staged session. */
    public static Uni<StagedSession> ofCustomer(SqlClient client, String customerId) {
        return client.preparedQuery(OF_CUSTOMER).execute(Tuple.of(customerId))
                .map(rows -> Rows.firstOrNull(rows, row -> new StagedSession(row.getString("session_id"),
                        row.getString("connect_url"), Arrays.asList(row.getArrayOfStrings("products")), row.getString("redirect_uri"),
                        row.getString("integration_provider"), row.getString("integration_auth"), row.getString("sandbox"),
                        row.getBoolean("manual"), row.getInteger("minutes_to_expire"), row.getOffsetDateTime("expires_at"),
                        row.getBoolean("valid"), row.getString("recordkeeper"), row.getString("recordkeeping_plan_id"))));
    }

    /** Marks the customer's staged session consumed, in the current Hibernate Reactive transaction. */
    public static Uni<Void> consume(String customerId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(CONSUME)
                        .setParameter("customerId", customerId).executeUpdate())
                .replaceWithVoid();
    }

    /** {@code null} when this service knows no such session. */
    public static Uni<SessionRedirectUri> redirectUriOf(SqlClient client, String sessionId) {
        return client.preparedQuery(REDIRECT_URI_OF_SESSION).execute(Tuple.of(sessionId))
                .map(rows -> Rows.firstOrNull(rows,
                        row -> new SessionRedirectUri(row.getString("kind"), row.getString("redirect_uri"))));
    }
}
