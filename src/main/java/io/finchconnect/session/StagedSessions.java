package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.finch.client.ConnectSession;
import io.finchconnect.finch.client.ConnectSessionRequest;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.state.ConnectStates;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * Creates or refreshes a customer's staged Connect session. Finch keeps one staged session per
 * {@code customer_id} and answers a repeat with the same {@code session_id}, so the call is safe to repeat and
 * to run concurrently; the one row per customer in {@code staged_sessions} is an upsert, and the request that
 * inserted it is the one that answers 201.
 */
@ApplicationScoped
public class StagedSessions {

    /** The status column holds Finch's name of the status; a disconnected connection is history, not a conflict. */
    private static final String LIVE_CONNECTION_OF_CUSTOMER =
            "SELECT connection_id, status FROM connections WHERE customer_id = $1 AND status <> 'disconnected'";
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

    private final FinchGateway finch;
    private final ConnectStates states;
    private final Pool pool;

    StagedSessions(FinchGateway finch, ConnectStates states, Pool pool) {
        this.finch = finch;
        this.states = states;
        this.pool = pool;
    }

    public record SessionLink(String sessionId, String connectUrl, String customerId, OffsetDateTime expiresAt,
                              boolean refreshed) {
    }

    public Uni<SessionLink> createOrRefresh(StagedSessionRequest request) {
        return refuseIfConnected(request.customerId())
                // A refusal by Finch (a customer connected at Finch but unknown here, say) passes through with
                // Finch's own fields: the Connect guide prints no body for it, so no code of it is matched.
                .chain(() -> finch.createConnectSession(toFinch(request)))
                .chain(session -> store(request, session));
    }

    /**
     * Plain SQL, not a Panache query: Hibernate parses a query's HQL on first use, on the event loop, which held
     * both event loops for over two seconds when a cold instance took its first requests.
     */
    private Uni<Void> refuseIfConnected(String customerId) {
        return pool.preparedQuery(LIVE_CONNECTION_OF_CUSTOMER).execute(Tuple.of(customerId))
                .map(rows -> {
                    if (rows.size() > 0) {
                        Row connection = rows.iterator().next();
                        throw new ConnectionExistsException(connection.getString("connection_id"), connection.getString("status"));
                    }
                    return null;
                });
    }

    private Uni<SessionLink> store(StagedSessionRequest request, ConnectSession session) {
        OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(request.minutesToExpire());
        return pool.preparedQuery(UPSERT_CUSTOMER_AND_SESSION).execute(Tuple.from(new Object[] {
                        request.customerId(), request.customerName(), request.customerEmail(), session.sessionId(),
                        session.connectUrl(), request.products().toArray(String[]::new), request.redirectUri(),
                        request.integrationProvider(), request.integrationAuthMethod(), request.sandbox(),
                        request.manual(), request.minutesToExpire(), expiresAt,
                        request.recordkeeping() == null ? null : request.recordkeeping().recordkeeper(),
                        request.recordkeeping() == null ? null : request.recordkeeping().planId() }))
                // Two first requests of one customer both insert; PostgreSQL resolves ON CONFLICT only on its arbiter
                // (customer_id), so the loser can hit the session_id constraint instead. Again, it finds the row.
                .onFailure(StagedSessions::isConcurrentFirstInsert).retry().atMost(2)
                .map(rows -> {
                    boolean inserted = rows.iterator().next().getBoolean("inserted");
                    return new SessionLink(session.sessionId(), linkFor(request, session, expiresAt), request.customerId(),
                            expiresAt, !inserted);
                });
    }

    private static boolean isConcurrentFirstInsert(Throwable failure) {
        return failure instanceof PgException pg && "23505".equals(pg.getSqlState())
                && "staged_sessions_session_id_key".equals(pg.getConstraint());
    }

    /** The redirect flow gets our signed state on the link; the embedded flow's SDK carries its own. */
    private String linkFor(StagedSessionRequest request, ConnectSession session, OffsetDateTime expiresAt) {
        if (request.redirectUri() == null) {
            return session.connectUrl();
        }
        return states.withState(session.connectUrl(), request.customerId(), session.sessionId(), request.callerState(),
                expiresAt.toInstant());
    }

    private static ConnectSessionRequest toFinch(StagedSessionRequest request) {
        ConnectSessionRequest.Integration integration = request.integrationProvider() == null ? null
                : new ConnectSessionRequest.Integration(request.integrationProvider(), request.integrationAuthMethod());
        ConnectSessionRequest.Recordkeeping recordkeeping = request.recordkeeping() == null ? null
                : new ConnectSessionRequest.Recordkeeping(request.recordkeeping().recordkeeper(), request.recordkeeping().planId());
        return new ConnectSessionRequest(request.customerId(), request.customerName(), request.customerEmail(),
                request.products(), request.redirectUri(), integration, request.sandbox(), request.manual(),
                request.minutesToExpire(), recordkeeping);
    }

}
