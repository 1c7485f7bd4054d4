package io.finchconnect.connection;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import io.finchconnect.connection.events.ConnectionEvents;
import io.finchconnect.connection.events.Established;
import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenVault;
import io.finchconnect.finch.client.AccessTokenGrant;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.outbox.Outbox;
import io.finchconnect.session.Customer;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Completes a Connect flow: exchanges the authorization code with Finch once (a code is single-use, so the
 * call is never retried), then stores the connection with its token encrypted and publishes
 * {@code finch.connection.established}, or {@code finch.connection.reauthenticated} when the connection was in
 * reauth, in one transaction. A customer has at most one live connection: a second one arriving while the
 * first is live is refused as a conflict, with nothing of it written.
 */
@ApplicationScoped
public class CodeExchange {

    private static final Logger LOG = Logger.getLogger(CodeExchange.class);

    private static final String LIVE_CONNECTION_OF_CUSTOMER =
            "SELECT connection_id, status FROM connections WHERE customer_id = $1 AND status <> 'disconnected'";
    /** The customer's staged session was used: a new request after a disconnect must stage a fresh one. */
    private static final String CONSUME_STAGED_SESSION =
            "UPDATE staged_sessions SET consumed_at = now() WHERE customer_id = :customerId AND consumed_at IS NULL";

    private final FinchGateway finch;
    private final TokenVault vault;
    private final Outbox outbox;
    private final Pool pool;
    private final ConnectionMetrics metrics;

    CodeExchange(FinchGateway finch, TokenVault vault, Outbox outbox, Pool pool, ConnectionMetrics metrics) {
        this.finch = finch;
        this.vault = vault;
        this.outbox = outbox;
        this.pool = pool;
        this.metrics = metrics;
    }

    public enum Kind { ESTABLISHED, REAUTHENTICATED, REFRESHED }

    public record Outcome(Kind kind, String connectionId, String customerId) {
    }

    /**
     * {@code redirectUri}: the one the flow's session was created with (redirect flow), {@code null} in the embedded
     * flow; Finch refuses a redirect-flow code without it.
     */
    public Uni<Outcome> complete(String code, String customerId, String redirectUri) {
        return finch.exchangeCode(code, redirectUri)
                .invoke(grant -> requireFlowsCustomer(grant, customerId))
                .chain(grant -> liveConnectionOf(customerId).chain(live ->
                live != null && !live.getString("connection_id").equals(grant.connectionId())
                        ? refuseSecondLive(grant, customerId)
                        : Panache.withTransaction(() -> store(grant, customerId))
                                .onFailure(LiveConnections::isSecondLiveConnection)
                                .recoverWithUni(() -> refuseSecondLive(grant, customerId))));
    }

    /**
     * Checked first with one pooled statement, so a flow that lost the race to a live connection answers without a
     * transaction; the partial unique index decides the ones that overlap.
     */
    private Uni<Row> liveConnectionOf(String customerId) {
        return pool.preparedQuery(LIVE_CONNECTION_OF_CUSTOMER).execute(Tuple.of(customerId))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next() : null);
    }

    /**
     * Another connection of the customer went live first (two Connect flows completed at once): this one is not
     * stored, its transaction rolled back whole, and the caller learns which connection is live.
     */
    private Uni<Outcome> refuseSecondLive(AccessTokenGrant grant, String customerId) {
        return liveConnectionOf(customerId).map(live -> {
            LOG.warnf("Connection %s of customer %s not stored: the customer already has the live connection %s",
                    grant.connectionId(), customerId, live == null ? "(since gone)" : live.getString("connection_id"));
            throw live == null ? LiveConnections.connectionExists(null, "connected")
                    : LiveConnections.connectionExists(live.getString("connection_id"), live.getString("status"));
        });
    }

    /**
     * The connection Finch made must be the flow's customer's: a code handed in for another customer (a mix-up, or
     * someone replaying a code they intercepted) must not attach that customer's payroll data to this one.
     */
    private static void requireFlowsCustomer(AccessTokenGrant grant, String customerId) {
        if (grant.customerId() == null) {
            // Optional in Finch's schema; sessions this service creates always carry one, so this is only noted.
            LOG.warnf("Finch's token response for connection %s names no customer; expected %s", grant.connectionId(), customerId);
            return;
        }
        if (!grant.customerId().equals(customerId)) {
            LOG.errorf("SECURITY customer_mismatch: a code exchanged for customer %s yielded connection %s of customer %s;"
                    + " nothing stored, the token is discarded", customerId, grant.connectionId(), grant.customerId());
            throw new CustomerMismatchException();
        }
    }

    private Uni<Outcome> store(AccessTokenGrant grant, String customerId) {
        EncryptedToken token = vault.encrypt(grant.connectionId(), grant.accessToken());
        return Connection.<Connection>findById(grant.connectionId(), LockModeType.PESSIMISTIC_WRITE)
                .chain(existing -> existing == null ? establish(grant, customerId, token) : renew(existing, grant, token));
    }

    private Uni<Outcome> establish(AccessTokenGrant grant, String customerId, EncryptedToken token) {
        OffsetDateTime now = OffsetDateTime.now();
        Connection connection = new Connection();
        connection.connectionId = grant.connectionId();
        connection.customerId = customerId;
        connection.status = ConnectionStatus.CONNECTED;
        connection.statusChangedAt = now;
        connection.connectedAt = now;
        connection.updatedAt = now;
        apply(connection, grant, token);
        return Customer.<Customer>findById(customerId)
                .chain(customer -> customer != null ? Uni.createFrom().item(customer)
                        : Customer.named(customerId, grant.customerName() == null ? customerId : grant.customerName()).persist())
                .chain(customer -> connection.persist().replaceWith(customer))
                .call(() -> Panache.getSession().chain(session -> session.createNativeQuery(CONSUME_STAGED_SESSION)
                        .setParameter("customerId", customerId).executeUpdate()))
                .call(customer -> outbox.write(connection.connectionId, "finch.connection.established",
                        new Established(connection.connectionId, customerId, ((Customer) customer).customerName,
                                connection.companyId, connection.providerId, List.of(connection.products),
                                connection.connectionType, List.of(connection.entityIds), now)))
                .invoke(ignored -> LOG.infof("Connection %s established for customer %s", connection.connectionId, customerId))
                .replaceWith(new Outcome(Kind.ESTABLISHED, connection.connectionId, customerId));
    }

    /** A new token for a known connection (reauthentication keeps the connection_id). */
    private Uni<Outcome> renew(Connection connection, AccessTokenGrant grant, EncryptedToken token) {
        OffsetDateTime now = OffsetDateTime.now();
        apply(connection, grant, token);
        connection.updatedAt = now;
        if (!connection.status.needsEmployer()) {
            return Uni.createFrom().item(new Outcome(Kind.REFRESHED, connection.connectionId, connection.customerId));
        }
        metrics.transitioned(StatusTransition.decide(connection.status, ConnectionStatus.CONNECTED),
                connection.reauthDetectedAt == null ? null : java.time.Duration.between(connection.reauthDetectedAt, now));
        connection.status = ConnectionStatus.CONNECTED;
        connection.statusChangedAt = now;
        LOG.infof("Connection %s reauthenticated", connection.connectionId);
        return outbox.write(connection.connectionId, "finch.connection.reauthenticated",
                        new ConnectionEvents.Reauthenticated(connection.connectionId, connection.customerId, now))
                .replaceWith(new Outcome(Kind.REAUTHENTICATED, connection.connectionId, connection.customerId));
    }

    private static void apply(Connection connection, AccessTokenGrant grant, EncryptedToken token) {
        connection.tokenKeyId = token.keyId();
        connection.tokenCiphertext = token.ciphertext();
        connection.tokenFormat = token.format().code();
        connection.companyId = grant.companyId();
        connection.providerId = grant.providerId();
        connection.connectionType = grant.connectionType();
        connection.clientType = grant.clientType();
        connection.products = grant.products() == null ? new String[0] : grant.products().toArray(String[]::new);
        connection.entityIds = grant.entityIds() == null ? new String[0] : grant.entityIds().toArray(String[]::new);
    }
}
