package io.finchconnect.finch.client;

import java.time.Duration;
import java.util.Map;

import io.finchconnect.common.problem.FinchProblems;

/**
 * Finch answered 429; our caller gets 503 with Finch's {@code Retry-After} passed on.
 */
public class FinchRateLimitedException extends FinchTransientException {

    FinchRateLimitedException(Duration retryAfter) {
        this(retryAfter, true);
    }

    FinchRateLimitedException(Duration retryAfter, boolean shouldRetry) {
        super(FinchProblems.rateLimited(retryAfter == null ? null : seconds(retryAfter)),
                retryAfter == null ? Map.of() : Map.of("Retry-After", String.valueOf(seconds(retryAfter))), retryAfter,
                shouldRetry);
    }

    private static long seconds(Duration duration) {
        return Math.max(1, (duration.toMillis() + 999) / 1000);
    }
}
