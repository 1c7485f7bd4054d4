package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.finch.client.ConnectSession;
import io.finchconnect.finch.client.ConnectSessionRequest;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.state.ConnectStates;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgException;

/**
 * Creates or refreshes a customer's staged Connect session. Finch keeps one staged session per
 * {@code customer_id} and answers a repeat with the same {@code session_id}, so the call is safe to repeat and
 * to run concurrently; the one row per customer in {@code staged_sessions} is an upsert, and the request that
 * inserted it is the one that answers 201.
 */
@ApplicationScoped
public class StagedSessions {

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
        return ConnectionStore.liveConnectionOf(pool, customerId)
                .map(connection -> {
                    if (connection != null) {
                        throw new ConnectionExistsException(connection.connectionId(), connection.status());
                    }
                    return null;
                });
    }

    private Uni<SessionLink> store(StagedSessionRequest request, ConnectSession session) {
        OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(request.minutesToExpire());
        return StagedSessionStore.upsertWithCustomer(pool, request, session.sessionId(), session.connectUrl(), expiresAt)
                // Two first requests of one customer both insert; PostgreSQL resolves ON CONFLICT only on its arbiter
                // (customer_id), so the loser can hit the session_id constraint instead. Again, it finds the row.
                .onFailure(StagedSessions::isConcurrentFirstInsert).retry().atMost(2)
                .map(inserted -> new SessionLink(session.sessionId(), linkFor(request, session, expiresAt), request.customerId(),
                        expiresAt, !inserted));
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
