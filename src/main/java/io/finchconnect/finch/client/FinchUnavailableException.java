package io.finchconnect.finch.client;

import java.time.Duration;
import java.util.Map;

import io.finchconnect.common.problem.FinchProblems;

/**
 * Finch could not serve the call: a 5xx answer, a dropped connection, or our circuit breaker is open.
 */
public class FinchUnavailableException extends FinchTransientException {

    private FinchUnavailableException(int status, String detail, Duration retryAfter, boolean shouldRetry) {
        super(FinchProblems.unavailable(status, detail), Map.of(), retryAfter, shouldRetry);
    }

    private FinchUnavailableException(int status, String detail, Duration retryAfter) {
        this(status, detail, retryAfter, true);
    }

    static FinchUnavailableException serverError(int finchStatus, Duration retryAfter, boolean shouldRetry) {
        return new FinchUnavailableException(502, "Finch answered HTTP " + finchStatus, retryAfter, shouldRetry);
    }

    static FinchUnavailableException connectionFailed() {
        return new FinchUnavailableException(502, "The connection to Finch failed", null);
    }

    static FinchUnavailableException circuitOpen() {
        return new FinchUnavailableException(503, "Finch is failing; calls are paused for a while", null);
    }
}
