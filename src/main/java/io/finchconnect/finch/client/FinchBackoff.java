package io.finchconnect.finch.client;

import java.time.Duration;

import io.finchconnect.common.backoff.ExponentialBackoff;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;

/**
 * Exponential backoff with "equal jitter" (half fixed, half random, so concurrent callers spread out), never
 * shorter than the {@code Retry-After} Finch sent. One instance per guarded call, as SmallRye creates it.
 */
final class FinchBackoff implements CustomBackoffStrategy {

    private final long maxDelayMillis;
    private ExponentialBackoff backoff;

    FinchBackoff(long maxDelayMillis) {
        this.maxDelayMillis = maxDelayMillis;
    }

    @Override
    public void init(long initialDelayInMillis) {
        backoff = new ExponentialBackoff(Duration.ofMillis(initialDelayInMillis), Duration.ofMillis(maxDelayMillis));
    }

    @Override
    public long nextDelayInMillis(Throwable cause) {
        long jittered = backoff.next().toMillis();
        long retryAfter = cause instanceof FinchTransientException transientFailure
                ? transientFailure.finchRetryAfter().map(Duration::toMillis).orElse(0L)
                : cause instanceof FinchRejectedException rejected
                ? rejected.finchRetryAfter().map(Duration::toMillis).orElse(0L)
                : 0L;
        return Math.max(jittered, retryAfter);
    }
}
