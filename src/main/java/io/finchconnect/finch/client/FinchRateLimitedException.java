package io.finchconnect.finch.client;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Finch answered 429; our caller is told when to ask again, from Finch's {@code Retry-After}.
 */
public class FinchRateLimitedException extends FinchTransientException {

    FinchRateLimitedException(Duration retryAfter) {
        this(retryAfter, true);
    }

    FinchRateLimitedException(Duration retryAfter, boolean shouldRetry) {
        super("finch-rate-limited", "Finch is rate limiting this service; retry later", retryAfter, shouldRetry);
    }

    @Override
    public Optional<Duration> retryAfter() {
        return finchRetryAfter();
    }

    @Override
    public Map<String, Object> details() {
        return finchRetryAfter().<Map<String, Object>>map(wait -> Map.of("retry_after_seconds", seconds(wait))).orElse(Map.of());
    }

    private static long seconds(Duration duration) {
        return Math.max(1, (duration.toMillis() + 999) / 1000);
    }
}
