package io.finchconnect.state;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.state.ConnectState.Claims;
import io.finchconnect.state.ConnectState.InvalidStateException;
import io.finchconnect.state.config.ConnectConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Issues sealed (encrypted and authenticated) states for connect URLs and takes them back exactly once: a state
 * is recorded as used before its code is exchanged, so a replayed callback stops before it reaches Finch, and
 * given back when the code provably never reached Finch.
 */
@ApplicationScoped
public class ConnectStates {

    private static final Logger LOG = Logger.getLogger(ConnectStates.class);

    private final ConnectState codec;
    private final Pool pool;
    private final Clock clock = Clock.systemUTC();

    ConnectStates(ConnectConfig config, Pool pool) {
        this.codec = new ConnectState(Base64.getDecoder().decode(config.stateKey().trim()));
        this.pool = pool;
    }

    /** {@code connectUrl} with a state for this customer and session appended. */
    public String withState(String connectUrl, String customerId, String sessionId, String callerState, Instant expiresAt) {
        String state = codec.seal(Claims.issue(customerId, sessionId, callerState, expiresAt));
        return connectUrl + (connectUrl.contains("?") ? "&" : "?") + "state=" + state;
    }

    public Claims verify(String state) {
        return codec.verify(state, clock.instant());
    }

    public Uni<Claims> consume(Claims claims) {
        return ConsumedStateStore.consume(pool, claims.stateId(), OffsetDateTime.ofInstant(claims.expiry(), ZoneOffset.UTC))
                .map(consumed -> {
                    if (!consumed) {
                        throw new InvalidStateException("replayed_state", "This link was used already");
                    }
                    return claims;
                });
    }

    /**
     * Gives a consumed state back, for a code that never reached Finch: the employer may use the same link again.
     * Best effort: when the release fails too, the link stays used and the employer asks for a new one.
     */
    public Uni<Void> release(Claims claims) {
        return ConsumedStateStore.release(pool, claims.stateId())
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("A state of customer %s could not be given back (%s); its link stays used", claims.customerId(),
                            failure.getClass().getSimpleName());
                    return Uni.createFrom().voidItem();
                });
    }
}
