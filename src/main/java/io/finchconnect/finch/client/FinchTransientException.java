package io.finchconnect.finch.client;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.finchconnect.common.problem.Problem;
import io.finchconnect.common.problem.ProblemException;

/**
 * A Finch failure that may pass if the same call is made again later, possibly with Finch's hint of when.
 */
public abstract class FinchTransientException extends ProblemException {

    private final Duration retryAfter;
    private final boolean shouldRetry;

    FinchTransientException(Problem problem, Map<String, String> headers, Duration retryAfter) {
        this(problem, headers, retryAfter, true);
    }

    FinchTransientException(Problem problem, Map<String, String> headers, Duration retryAfter, boolean shouldRetry) {
        super(problem, headers);
        this.retryAfter = retryAfter;
        this.shouldRetry = shouldRetry;
    }

    /** False when Finch answered {@code x-should-retry: false}: the call is not made again. */
    public boolean shouldRetry() {
        return shouldRetry;
    }

    /** Finch's {@code Retry-After}, when it sent one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
