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

    FinchTransientException(Problem problem, Map<String, String> headers, Duration retryAfter) {
        super(problem, headers);
        this.retryAfter = retryAfter;
    }

    /** Finch's {@code Retry-After}, when it sent one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
