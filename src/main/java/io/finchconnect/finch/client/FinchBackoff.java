package io.finchconnect.finch.client;

import java.util.concurrent.ThreadLocalRandom;

import io.smallrye.faulttolerance.api.CustomBackoffStrategy;

/**
 * Exponential backoff with "equal jitter" (half fixed, half random, so concurrent callers spread out), never
 * shorter than the {@code Retry-After} Finch sent. One instance per guarded call, as SmallRye creates it.
 */
final class FinchBackoff implements CustomBackoffStrategy {

    private final long maxDelayMillis;
    private long nextBaseMillis;

    FinchBackoff(long maxDelayMillis) {
        this.maxDelayMillis = maxDelayMillis;
    }

    @Override
    public void init(long initialDelayInMillis) {
        nextBaseMillis = Math.max(1, initialDelayInMillis);
    }

    @Override
    public long nextDelayInMillis(Throwable cause) {
        long base = Math.min(nextBaseMillis, maxDelayMillis);
        nextBaseMillis = Math.min(nextBaseMillis * 2, maxDelayMillis);
        long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        long retryAfter = cause instanceof FinchTransientException transientFailure
                ? transientFailure.retryAfter().map(java.time.Duration::toMillis).orElse(0L)
                : 0L;
        return Math.max(jittered, retryAfter);
    }
}
