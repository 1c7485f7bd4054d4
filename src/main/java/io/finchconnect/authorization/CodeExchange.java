package io.finchconnect.authorization;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import io.finchconnect.common.backoff.ExponentialBackoff;
import io.finchconnect.common.database.BackingServiceUnavailable;
import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionLifecycle;
import io.finchconnect.connection.ConnectionLifecycle.Cause;
import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.finchconnect.connection.ConnectionStore.LiveConnection;
import io.finchconnect.connection.LiveConnections;
import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenVault;
import io.finchconnect.finch.client.AccessTokenGrant;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.FinchRateLimitedException;
import io.finchconnect.finch.client.FinchUnavailableException;
import io.finchconnect.reauth.ConnectionStatusService;
import io.finchconnect.session.CustomerStore;
import io.finchconnect.session.StagedSessionStore;
import io.finchconnect.state.config.ConnectConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Completes a Connect flow: exchanges the authorization code with Finch once (a code is single-use, so the
 * call is never retried), then stores the connection with its token encrypted and publishes
 * {@code finch.connection.established}, or {@code finch.connection.reauthenticated} when the connection was in
 * reauth, in one transaction. A customer has at most one live connection: a second one arriving while the
 * first is live is refused as a conflict, with nothing of it written. Once Finch answered, a PostgreSQL outage
 * does not lose the grant: its write is retried for a bounded time, no pooled connection held while Finch is asked.
 */
@ApplicationScoped
public class CodeExchange {

    private static final Logger LOG = Logger.getLogger(CodeExchange.class);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);

    private final FinchGateway finch;
    private final TokenVault vault;
    private final ConnectionLifecycle lifecycle;
    private final Pool pool;
    private final ConnectionStatusService statuses;
    private final Duration grantWriteRetryFor;

    CodeExchange(FinchGateway finch, TokenVault vault, ConnectionLifecycle lifecycle, Pool pool, ConnectionStatusService statuses,
                 ConnectConfig connectConfig) {
        this.grantWriteRetryFor = connectConfig.grantWriteRetryFor();
        this.finch = finch;
        this.vault = vault;
        this.lifecycle = lifecycle;
        this.pool = pool;
        this.statuses = statuses;
    }

    public enum Kind { ESTABLISHED, REAUTHENTICATED, REFRESHED }

    public record Outcome(Kind kind, String connectionId, String customerId) {
    }

    /**
     * {@code redirectUri}: the one the flow's session was created with (redirect flow), {@code null} in the embedded
     * flow; Finch refuses a redirect-flow code without it.
     */
    public Uni<Outcome> complete(String code, String customerId, String redirectUri) {
        Executor onRequestContext = currentContext();
        return finch.exchangeCode(code, redirectUri)
                .invoke(grant -> requireFlowsCustomer(grant, customerId))
                .chain(grant -> storeWithinWindow(grant, customerId, onRequestContext));
    }

    /**
     * Whether a failed {@link #complete} never got its code to Finch, so the code is unspent and the employer may use
     * the same link again: Finch was not reached, refused to serve (503, 429), or our circuit breaker held the call.
     */
    public static boolean codeNeverReachedFinch(Throwable failure) {
        return failure instanceof FinchUnavailableException unavailable && !unavailable.mayHaveBeenProcessed()
                || failure instanceof FinchRateLimitedException;
    }

    /**
     * The code is spent once Finch answered, so the grant is the only copy of the token: while PostgreSQL is
     * unavailable its write is retried until {@code connect.grant-write-retry-for} has passed. After that the
     * connection id is logged for an operator to adopt, and the caller is told to try again later.
     */
    private Uni<Outcome> storeWithinWindow(AccessTokenGrant grant, String customerId, Executor onRequestContext) {
        long deadline = System.nanoTime() + grantWriteRetryFor.toNanos();
        return storeOrRetry(grant, customerId, deadline, new ExponentialBackoff(FIRST_PAUSE, LONGEST_PAUSE), onRequestContext, 1);
    }

    private Uni<Outcome> storeOrRetry(AccessTokenGrant grant, String customerId, long deadline, ExponentialBackoff backoff,
                                      Executor onRequestContext, int attempt) {
        return store(grant, customerId).onFailure(BackingServiceUnavailable::explains).recoverWithUni(failure -> {
            Duration pause = backoff.next();
            if (System.nanoTime() + pause.toNanos() >= deadline) {
                LOG.errorf("STRANDED connection %s of customer %s: Finch granted it, but it could not be stored in %d attempts "
                        + "over %s (%s). Adopt it with POST /v1/connect/sessions/reauthenticate naming this connection_id "
                        + "and customer_id", grant.connectionId(), customerId, attempt, grantWriteRetryFor,
                        failure.getClass().getSimpleName());
                return Uni.createFrom().failure(new GrantNotStoredException(grant.connectionId(), customerId));
            }
            LOG.warnf("Connection %s of customer %s granted by Finch, not stored yet (attempt %d, %s); retrying in %d ms",
                    grant.connectionId(), customerId, attempt, failure.getClass().getSimpleName(), pause.toMillis());
            // The pause's timer fires on a worker thread; the session and pool belong on the request's context.
            return Uni.createFrom().voidItem().onItem().delayIt().by(pause).emitOn(onRequestContext)
                    .chain(() -> storeOrRetry(grant, customerId, deadline, backoff, onRequestContext, attempt + 1));
        });
    }

    private Uni<Outcome> store(AccessTokenGrant grant, String customerId) {
        return liveConnectionOf(customerId).chain(live ->
                live != null && !live.connectionId().equals(grant.connectionId())
                        ? refuseSecondLive(grant, customerId)
                        : Panache.withTransaction(() -> storeInTransaction(grant, customerId))
                                .onFailure(LiveConnections::isSecondLiveConnection)
                                .recoverWithUni(() -> refuseSecondLive(grant, customerId)));
    }

    private static Executor currentContext() {
        Context context = Vertx.currentContext();
        return context == null ? Runnable::run : command -> context.runOnContext(ignored -> command.run());
    }

    /**
     * Checked first with one pooled statement, so a flow that lost the race to a live connection answers without a
     * transaction; the partial unique index decides the ones that overlap.
     */
    private Uni<LiveConnection> liveConnectionOf(String customerId) {
        return ConnectionStore.liveConnectionOf(pool, customerId);
    }

    /**
     * Another connection of the customer went live first (two Connect flows completed at once): this one is not
     * stored, its transaction rolled back whole, and the caller learns which connection is live.
     */
    private Uni<Outcome> refuseSecondLive(AccessTokenGrant grant, String customerId) {
        return liveConnectionOf(customerId).map(live -> {
            LOG.warnf("Connection %s of customer %s not stored: the customer already has the live connection %s",
                    grant.connectionId(), customerId, live == null ? "(since gone)" : live.connectionId());
            throw live == null ? new ConnectionExistsException(null, "connected")
                    : new ConnectionExistsException(live.connectionId(), live.status());
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

    private Uni<Outcome> storeInTransaction(AccessTokenGrant grant, String customerId) {
        EncryptedToken token = vault.encrypt(grant.connectionId(), grant.accessToken());
        return Connection.<Connection>findById(grant.connectionId(), LockModeType.PESSIMISTIC_WRITE)
                .chain(existing -> existing == null ? establish(grant, customerId, token) : renew(existing, grant, token));
    }

    private Uni<Outcome> establish(AccessTokenGrant grant, String customerId, EncryptedToken token) {
        OffsetDateTime now = OffsetDateTime.now();
        Connection connection = new Connection();
        connection.connectionId = grant.connectionId();
        connection.customerId = customerId;
        connection.connectedAt = now;
        connection.updatedAt = now;
        apply(connection, grant, token);
        // An embedded flow's code may come from a session this service did not stage: Finch's answer names the customer.
        return CustomerStore.nameCreatingIfAbsent(customerId, grant.customerName() == null ? customerId : grant.customerName())
                .call(customerName -> lifecycle.establish(connection, grant.entityIds() == null ? List.of() : grant.entityIds(), new Cause(now, null, null, Map.of(), null, customerName)))
                .call(() -> connection.persist())
                .call(() -> StagedSessionStore.consume(customerId))
                .invoke(ignored -> LOG.infof("Connection %s established for customer %s", connection.connectionId, customerId))
                .replaceWith(new Outcome(Kind.ESTABLISHED, connection.connectionId, customerId));
    }

    /** A new token for a known connection (reauthentication keeps the connection_id). */
    private Uni<Outcome> renew(Connection connection, AccessTokenGrant grant, EncryptedToken token) {
        OffsetDateTime now = OffsetDateTime.now();
        if (connection.status == ConnectionStatus.DISCONNECTED) {
            // Final: the connection stays disconnected, so the token Finch gave has no use here and is not kept.
            LOG.warnf("Connection %s is disconnected; the token of its code exchange is discarded", connection.connectionId);
            return Uni.createFrom().item(new Outcome(Kind.REFRESHED, connection.connectionId, connection.customerId));
        }
        apply(connection, grant, token);
        connection.updatedAt = now;
        List<String> granted = grant.entityIds() == null ? List.of() : grant.entityIds();
        return statuses.employerCameBack(connection, granted, now).map(reauthenticated -> new Outcome(
                reauthenticated ? Kind.REAUTHENTICATED : Kind.REFRESHED, connection.connectionId, connection.customerId));
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
    }
}
