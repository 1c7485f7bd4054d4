package io.finchconnect.finch.client;

import java.io.IOException;
import java.time.temporal.ChronoUnit;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

import io.finchconnect.finch.config.FinchConfig;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.VertxException;

/**
 * The fault tolerance of Finch calls: a timeout per attempt and one circuit breaker shared by all endpoints;
 * on top, for idempotent calls only, retries with jittered exponential backoff that honour {@code Retry-After}.
 * Failures leave here as the typed {@code Finch*Exception}s, already problem details.
 */
@ApplicationScoped
public class FinchCallPolicy {

    /** The breaker's name for {@code CircuitBreakerMaintenance}. */
    public static final String CIRCUIT_BREAKER = "finch";

    private static final Logger LOG = Logger.getLogger(FinchCallPolicy.class);

    private final FinchCallMetrics metrics;
    private final long maxRetryAfterMillis;
    private final Guard breaker;
    private final Guard retry;

    FinchCallPolicy(FinchConfig config, FinchCallMetrics metrics) {
        this.metrics = metrics;
        this.maxRetryAfterMillis = config.retry().maxRetryAfter().toMillis();
        this.breaker = breakerAndTimeout(config);
        this.retry = retries(config.retry());
    }

    /** A call Finch may receive more than once with the same effect: retried on transient failures. */
    <T> Uni<T> idempotent(FinchEndpoint endpoint, Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> guarded(retry, () -> attempt(endpoint, call)))
                .onFailure().transform(FinchCallPolicy::typed);
    }

    /** A call that must reach Finch at most once (a single-use code), even when it timed out. */
    <T> Uni<T> once(FinchEndpoint endpoint, Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> attempt(endpoint, call))
                .onFailure().transform(FinchCallPolicy::typed);
    }

    private <T> Uni<T> attempt(FinchEndpoint endpoint, Supplier<Uni<T>> call) {
        Uni<T> guardedAttempt = Uni.createFrom().deferred(() -> guarded(breaker, () -> send(call)));
        return metrics.timed(endpoint, guardedAttempt)
                .onFailure().invoke(failure -> logFailedAttempt(endpoint, failure));
    }

    private static <T> Uni<T> send(Supplier<Uni<T>> call) {
        return call.get().onFailure(FinchCallPolicy::isConnectionFailure)
                .transform(failure -> neverConnected(failure) ? FinchUnavailableException.notReached()
                        : FinchUnavailableException.connectionFailed());
    }

    /** No TCP connection was made (refused, connect timeout, unknown host): nothing of the request reached Finch. */
    private static boolean neverConnected(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.ConnectException || cause instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** Finch's retry rules (see {@link FinchResponses}), and no in-request wait longer than we allow. */
    private boolean isRetryable(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return true;
        }
        if (failure instanceof FinchTransientException transientFailure) {
            return transientFailure.shouldRetry() && waitable(transientFailure.finchRetryAfter());
        }
        return failure instanceof FinchRejectedException rejected && rejected.shouldRetry() && waitable(rejected.finchRetryAfter());
    }

    private boolean waitable(java.util.Optional<java.time.Duration> retryAfter) {
        return retryAfter.map(delay -> delay.toMillis() <= maxRetryAfterMillis).orElse(true);
    }

    private static boolean isConnectionFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException || cause instanceof VertxException
                    || cause instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable typed(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return new FinchTimeoutException();
        }
        if (failure instanceof CircuitBreakerOpenException) {
            return FinchUnavailableException.circuitOpen();
        }
        return failure;
    }

    private static void logFailedAttempt(FinchEndpoint endpoint, Throwable failure) {
        String outcome = FinchCallMetrics.outcome(failure);
        if (failure instanceof FinchRejectedException rejected) {
            LOG.debugf("Finch %s rejected: HTTP %d %s", endpoint.key(), rejected.finchStatus(), rejected.finchCode());
        } else if ("error".equals(outcome)) {
            // Only the type: messages of unexpected failures may quote what was sent.
            LOG.warnf("Finch %s failed: %s", endpoint.key(), failure.getClass().getName());
        } else {
            LOG.warnf("Finch %s failed: %s", endpoint.key(), outcome);
        }
    }

    private Guard breakerAndTimeout(FinchConfig config) {
        FinchConfig.CircuitBreaker settings = config.circuitBreaker();
        return Guard.create()
                .withDescription("Finch API")
                .withCircuitBreaker()
                    .name(CIRCUIT_BREAKER)
                    .requestVolumeThreshold(settings.requestVolumeThreshold())
                    .failureRatio(settings.failureRatio())
                    .delay(settings.delay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(settings.successThreshold())
                    // A refusal is a healthy Finch answering; it must not open the breaker.
                    .skipOn(FinchRejectedException.class)
                    .onStateChange(state -> LOG.infof("Finch circuit breaker is now %s", state))
                    .done()
                .withTimeout()
                    .duration(config.requestTimeout().toMillis(), ChronoUnit.MILLIS)
                    .done()
                .build();
    }

    private Guard retries(FinchConfig.Retry settings) {
        long maxDelayMillis = settings.maxDelay().toMillis();
        return Guard.create()
                .withDescription("Finch API retries")
                .withRetry()
                    .maxRetries(settings.maxRetries())
                    .delay(settings.initialDelay().toMillis(), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .whenException(this::isRetryable)
                    .withCustomBackoff()
                        .strategy(() -> new FinchBackoff(maxDelayMillis))
                        .done()
                    .done()
                .build();
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static <T> Uni<T> guarded(Guard guard, Supplier<Uni<T>> action) {
        return (Uni<T>) guard.get((Supplier) action, Uni.class);
    }
}
