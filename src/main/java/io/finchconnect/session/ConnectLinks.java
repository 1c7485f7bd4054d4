package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.reauth.ReauthLinks;
import io.finchconnect.state.ConnectStates;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The link to send a customer now (DESIGN.md 3.2): the staged session while valid, refreshed when it expired
 * (or a new one once it was consumed and the customer's connections are all disconnected);
 * the reauthentication session while the connection is in reauth, created when none is valid; a conflict when
 * the customer is connected and healthy.
 */
@ApplicationScoped
public class ConnectLinks {

    private static final String CUSTOMER = "SELECT customer_name, customer_email FROM customers WHERE customer_id = $1";
    private static final String CONNECTION = "SELECT connection_id, status, reauth_episode FROM connections WHERE customer_id = $1 AND status <> 'disconnected'";
    private static final String STAGED = """
            SELECT session_id, connect_url, products, redirect_uri, integration_provider, integration_auth, sandbox, manual,
                   minutes_to_expire, expires_at, expires_at > now() AND consumed_at IS NULL AS valid, recordkeeper, recordkeeping_plan_id
            FROM staged_sessions WHERE customer_id = $1
            """;

    private final Pool pool;
    private final StagedSessions staged;
    private final ReauthLinks reauthLinks;
    private final ConnectStates states;

    ConnectLinks(Pool pool, StagedSessions staged, ReauthLinks reauthLinks, ConnectStates states) {
        this.pool = pool;
        this.staged = staged;
        this.reauthLinks = reauthLinks;
        this.states = states;
    }

    public record ConnectLink(String kind, String customerId, String connectionId, String sessionId, String connectUrl,
                              OffsetDateTime expiresAt) {
    }

    public Uni<ConnectLink> linkFor(String customerId) {
        return single(CUSTOMER, Tuple.of(customerId))
                .onItem().ifNull().failWith(() -> new UnknownResourceException("No customer " + customerId))
                .chain(customer -> single(CONNECTION, Tuple.of(customerId))
                        .chain(connection -> connection == null ? stagedLink(customerId, customer) : connectionLink(customerId, connection)));
    }

    private Uni<ConnectLink> connectionLink(String customerId, Row connection) {
        String connectionId = connection.getString("connection_id");
        if (!ConnectionStatus.fromFinch(connection.getString("status")).map(ConnectionStatus::needsEmployer).orElse(false)) {
            throw new ConnectionExistsException(connectionId, connection.getString("status"));
        }
        return reauthLinks.current(connectionId, connection.getInteger("reauth_episode"))
                .map(session -> new ConnectLink("reauth", customerId, connectionId, session.sessionId(), session.connectUrl(),
                        session.expiresAt()));
    }

    private Uni<ConnectLink> stagedLink(String customerId, Row customer) {
        return single(STAGED, Tuple.of(customerId)).chain(session -> {
            if (session == null) {
                throw new UnknownResourceException("Customer " + customerId + " has no Connect session; create one first");
            }
            if (session.getBoolean("valid")) {
                String url = session.getString("connect_url");
                String redirect = session.getString("redirect_uri");
                OffsetDateTime expiresAt = session.getOffsetDateTime("expires_at");
                String link = redirect == null ? url
                        : states.withState(url, customerId, session.getString("session_id"), null, expiresAt.toInstant());
                return Uni.createFrom().item(new ConnectLink("staged", customerId, null, session.getString("session_id"),
                        link, expiresAt));
            }
            return staged.createOrRefresh(refreshOf(customerId, customer, session)).map(refreshed ->
                    new ConnectLink("staged", customerId, null, refreshed.sessionId(), refreshed.connectUrl(), refreshed.expiresAt()));
        });
    }

    private static StagedSessionRequest refreshOf(String customerId, Row customer, Row session) {
        List<String> products = Arrays.asList(session.getArrayOfStrings("products"));
        return new StagedSessionRequest(customerId, customer.getString("customer_name"), customer.getString("customer_email"),
                products, session.getString("redirect_uri"), session.getString("integration_provider"),
                session.getString("integration_auth"), session.getString("sandbox"), session.getBoolean("manual"),
                session.getInteger("minutes_to_expire"), null, session.getString("recordkeeper") == null ? null
                        : new StagedSessionRequest.Recordkeeping(session.getString("recordkeeper"),
                                session.getString("recordkeeping_plan_id")));
    }

    private Uni<Row> single(String sql, Tuple parameters) {
        return pool.preparedQuery(sql).execute(parameters)
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next() : null);
    }
}
