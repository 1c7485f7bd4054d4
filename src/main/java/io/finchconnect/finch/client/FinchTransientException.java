package io.finchconnect.finch.client;

import java.time.Duration;
import java.util.Optional;

import io.finchconnect.common.error.ServiceException;

/**
 * A Finch failure that may pass if the same call is made again later, possibly with Finch's hint of when.
 */
public abstract class FinchTransientException extends ServiceException {

    private final Duration finchRetryAfter;
    private final boolean shouldRetry;

    FinchTransientException(String code, String message, Duration finchRetryAfter, boolean shouldRetry) {
        super(code, message);
        this.finchRetryAfter = finchRetryAfter;
        this.shouldRetry = shouldRetry;
    }

    /** False when Finch answered {@code x-should-retry: false}: the call is not made again. */
    public boolean shouldRetry() {
        return shouldRetry;
    }

    /** Finch's {@code Retry-After}, when it sent one. */
    public Optional<Duration> finchRetryAfter() {
        return Optional.ofNullable(finchRetryAfter);
    }
}
