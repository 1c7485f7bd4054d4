package io.finchconnect.reauth;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.connection.ConnectionStore.StoredToken;
import io.finchconnect.connection.EntityStatuses;
import io.finchconnect.connection.vault.TokenVault;
import io.finchconnect.connection.vault.TokenVaultException;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.FinchRejectedException;
import io.finchconnect.finch.client.Introspection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Asks Finch what is true about a connection now ({@code GET /introspect} with its own token): Finch is the
 * source of truth, an incoming status is only a hint. The token is read in a statement of its own, so no
 * database connection is held while Finch answers.
 */
@ApplicationScoped
public class FinchStatusCheck {

    private static final Logger LOG = Logger.getLogger(FinchStatusCheck.class);

    private final Pool pool;
    private final TokenVault vault;
    private final FinchGateway finch;

    FinchStatusCheck(Pool pool, TokenVault vault, FinchGateway finch) {
        this.pool = pool;
        this.vault = vault;
        this.finch = finch;
    }

    /**
     * What Finch said: a status, an unknown connection (not stored here), or no usable answer. {@code askedAt} is the
     * version of the connection's row when Finch was asked: the answer applies only to that version.
     */
    public record Verdict(Kind kind, ConnectionStatus status, List<EntityStatuses.Entity> entities, String detail,
                          int askedAt) {

        public enum Kind { STATUS, UNKNOWN_CONNECTION, UNVERIFIED }

        static Verdict status(ConnectionStatus status) {
            return new Verdict(Kind.STATUS, status, List.of(), null, 0);
        }

        static Verdict status(ConnectionStatus status, List<EntityStatuses.Entity> entities) {
            return new Verdict(Kind.STATUS, status, entities, null, 0);
        }

        static Verdict unverified(String detail) {
            return new Verdict(Kind.UNVERIFIED, null, List.of(), detail, 0);
        }

        Verdict askedAt(int version) {
            return new Verdict(kind, status, entities, detail, version);
        }
    }

    /**
     * Finch's status for the connection. Transient Finch failures (unreachable, 5xx, 429, timeouts) fail the
     * Uni after the client's own retries, so the caller can keep the hint and try again later.
     */
    public Uni<Verdict> check(String connectionId) {
        return ConnectionStore.tokenAndVersionOf(pool, connectionId)
                .chain(stored -> stored == null
                        ? Uni.createFrom().item(new Verdict(Verdict.Kind.UNKNOWN_CONNECTION, null, List.of(), null, 0))
                        : ask(connectionId, stored.token()).map(verdict -> verdict.askedAt(stored.version())));
    }

    private Uni<Verdict> ask(String connectionId, StoredToken stored) {
        String token;
        try {
            token = vault.decrypt(connectionId, stored.token());
        } catch (TokenVaultException e) {
            LOG.errorf("Connection %s: stored token unusable (%s); its status cannot be checked with Finch", connectionId,
                    e.getMessage());
            return Uni.createFrom().item(Verdict.unverified("stored token unusable"));
        }
        return finch.introspect(token)
                .map(FinchStatusCheck::fromIntrospection)
                .onFailure(FinchRejectedException.class).recoverWithItem(failure -> fromRefusal(connectionId,
                        (FinchRejectedException) failure));
    }

    /** The connection's status is the worst of its attached entities' (EntityStatuses), each of which is kept. */
    private static Verdict fromIntrospection(Introspection introspection) {
        String status = introspection.connectionStatus() == null ? null : introspection.connectionStatus().status();
        Optional<ConnectionStatus> connectionLevel = ConnectionStatus.fromFinch(status);
        if (connectionLevel.isEmpty()) {
            return Verdict.unverified("Finch reported status " + status);
        }
        List<EntityStatuses.Entity> entities = new ArrayList<>();
        for (Introspection.Entity entity : introspection.entities() == null ? List.<Introspection.Entity>of() : introspection.entities()) {
            Optional<ConnectionStatus> entityStatus = ConnectionStatus.fromFinch(entity.status());
            if (entity.id() == null || entityStatus.isEmpty()) {
                return Verdict.unverified("Finch reported entity " + entity.id() + " with status " + entity.status());
            }
            entities.add(new EntityStatuses.Entity(entity.id(), entityStatus.get()));
        }
        return Verdict.status(EntityStatuses.overall(connectionLevel.get(), entities), List.copyOf(entities));
    }

    /**
     * {@code 401 reauthenticate_user} is Finch's way of saying {@code reauth} (docs/finch.md, "Connection
     * status"). Any other 401 in Finch's error shape means Finch no longer knows the token: a connection's tokens
     * all stay valid until it is disconnected, and this service always holds the newest one, so it was
     * disconnected. A 401 in any other shape (a proxy's page) never gets here: the client makes it Finch
     * unavailable, and the caller asks again later.
     */
    private static Verdict fromRefusal(String connectionId, FinchRejectedException refusal) {
        if (refusal.requiresReauthentication()) {
            return Verdict.status(ConnectionStatus.REAUTH);
        }
        if (refusal.finchStatus() == 401) {
            return Verdict.status(ConnectionStatus.DISCONNECTED);
        }
        LOG.warnf("Finch refused introspecting connection %s (%d %s)", connectionId, refusal.finchStatus(),
                refusal.finchCode());
        return Verdict.unverified("Finch refused introspection: " + refusal.finchStatus() + " " + refusal.finchCode());
    }
}
