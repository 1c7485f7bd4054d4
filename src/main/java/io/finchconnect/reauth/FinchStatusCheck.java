package io.finchconnect.reauth;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.connection.Connection;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.connection.ConnectionStore.StoredToken;
import io.finchconnect.lifecycle.LifecycleInput;
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
     * What Finch said: an observation of the connection, a refusal of its token, an unknown connection (not stored
     * here), Finch unavailable in a way the client does not retry (a Finch-shaped 403 or 404), or no usable answer.
     * {@code askedAt} is the version of the connection's row when Finch was asked: the answer applies only to that
     * version.
     */
    public record Verdict(Kind kind, ConnectionStatus status, Map<String, ConnectionStatus> entities, String detail,
                          int askedAt, Instant lastSuccessfulSync) {

        public enum Kind { OBSERVED, REAUTH_REQUIRED, TOKEN_REFUSED, UNKNOWN_CONNECTION, UNAVAILABLE, UNVERIFIED }

        static Verdict of(Kind kind, String detail) {
            return new Verdict(kind, null, Map.of(), detail, 0, null);
        }

        Verdict askedAt(int version) {
            return new Verdict(kind, status, entities, detail, version, lastSuccessfulSync);
        }

        /**
         * The lifecycle's input for this answer; {@code finchSaidDisconnected}: a webhook among the hints said the
         * connection is {@code disconnected}. Null for an answer that is none (unknown connection, unverified).
         */
        public LifecycleInput input(Instant at, boolean finchSaidDisconnected) {
            return switch (kind) {
                case OBSERVED -> new LifecycleInput.Observed(askedAt, status, entities, lastSuccessfulSync, at);
                case REAUTH_REQUIRED -> new LifecycleInput.ReauthRequired(askedAt);
                case TOKEN_REFUSED -> new LifecycleInput.TokenRefused(askedAt, at, finchSaidDisconnected);
                case UNAVAILABLE -> new LifecycleInput.Unavailable();
                case UNKNOWN_CONNECTION, UNVERIFIED -> null;
            };
        }
    }

    /**
     * Finch's status for the connection. Transient Finch failures (unreachable, 5xx, 429, timeouts) fail the
     * Uni after the client's own retries, so the caller can keep the hint and try again later.
     */
    public Uni<Verdict> check(String connectionId) {
        return ConnectionStore.tokenAndVersionOf(pool, connectionId)
                .chain(stored -> stored == null
                        ? Uni.createFrom().item(Verdict.of(Verdict.Kind.UNKNOWN_CONNECTION, null))
                        : stored.token() == null
                        ? Uni.createFrom().item(Verdict.of(Verdict.Kind.UNVERIFIED, "disconnected: its token is gone"))
                        : ask(connectionId, stored.token()).map(verdict -> verdict.askedAt(stored.version())));
    }

    private Uni<Verdict> ask(String connectionId, StoredToken stored) {
        String token;
        try {
            token = vault.decrypt(connectionId, stored.token());
        } catch (TokenVaultException e) {
            LOG.errorf("Connection %s: stored token unusable (%s); its status cannot be checked with Finch", connectionId,
                    e.getMessage());
            return Uni.createFrom().item(Verdict.of(Verdict.Kind.UNVERIFIED, "stored token unusable"));
        }
        return finch.introspect(token)
                .map(FinchStatusCheck::fromIntrospection)
                .onFailure(FinchRejectedException.class).recoverWithItem(failure -> fromRefusal(connectionId,
                        (FinchRejectedException) failure));
    }

    /** Finch's connection-level status and each entity's; the lifecycle works out the connection's from them. */
    private static Verdict fromIntrospection(Introspection introspection) {
        String status = introspection.connectionStatus() == null ? null : introspection.connectionStatus().status();
        Optional<ConnectionStatus> connectionLevel = ConnectionStatus.fromFinch(status);
        if (connectionLevel.isEmpty()) {
            return Verdict.of(Verdict.Kind.UNVERIFIED, "Finch reported status " + status);
        }
        Map<String, ConnectionStatus> entities = new LinkedHashMap<>();
        for (Introspection.Entity entity : introspection.entities() == null ? List.<Introspection.Entity>of() : introspection.entities()) {
            Optional<ConnectionStatus> entityStatus = ConnectionStatus.fromFinch(entity.status());
            if (entity.id() == null || entityStatus.isEmpty()) {
                return Verdict.of(Verdict.Kind.UNVERIFIED, "Finch reported entity " + entity.id() + " with status "
                        + entity.status());
            }
            entities.put(entity.id(), entityStatus.get());
        }
        return new Verdict(Verdict.Kind.OBSERVED, connectionLevel.get(), entities, null, 0,
                lastSuccessfulSync(introspection.connectionStatus().lastSuccessfulSync()));
    }

    /** Finch's {@code last_successful_sync}, an ISO-8601 time; one that is no time is taken as unknown. */
    private static Instant lastSuccessfulSync(String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            LOG.debugf("Finch's last_successful_sync %s is no time; taken as unknown", value);
            return null;
        }
    }

    /**
     * {@code 401 reauthenticate_user} is Finch's way of saying {@code reauth} (docs/finch.md, "Connection status").
     * Any other 401 in Finch's error shape is how Finch answers for a token that no longer works, which is what a
     * disconnected connection's tokens become: the lifecycle ends the connection once that is confirmed. A 403 or 404
     * is not documented as a disconnect: Finch is unavailable for this connection, asked again later, with an alert.
     * A refusal in any other shape (a proxy's page) never gets here: the client makes it Finch unavailable.
     */
    private static Verdict fromRefusal(String connectionId, FinchRejectedException refusal) {
        if (refusal.requiresReauthentication()) {
            return Verdict.of(Verdict.Kind.REAUTH_REQUIRED, null);
        }
        if (refusal.finchStatus() == 401) {
            LOG.infof("Finch refused the token of connection %s (401 %s); the disconnect is confirmed before it applies",
                    connectionId, refusal.finchCode());
            return Verdict.of(Verdict.Kind.TOKEN_REFUSED, "401 " + refusal.finchCode());
        }
        LOG.warnf("Finch refused introspecting connection %s (%d %s); asking again later", connectionId,
                refusal.finchStatus(), refusal.finchCode());
        return Verdict.of(Verdict.Kind.UNAVAILABLE, "Finch refused introspection: " + refusal.finchStatus() + " "
                + refusal.finchCode());
    }
}
