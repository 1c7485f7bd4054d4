package io.finchconnect.finch.client;

import java.time.Duration;
import java.util.Map;

import io.finchconnect.common.problem.FinchProblems;

/**
 * Finch could not serve the call: a 5xx answer, a dropped connection, or our circuit breaker is open.
 */
public class FinchUnavailableException extends FinchTransientException {

    private final boolean mayHaveBeenProcessed;

    private FinchUnavailableException(int status, String detail, Duration retryAfter, boolean shouldRetry,
                                      boolean mayHaveBeenProcessed) {
        super(FinchProblems.unavailable(status, detail), Map.of(), retryAfter, shouldRetry);
        this.mayHaveBeenProcessed = mayHaveBeenProcessed;
    }

    /** A 503 says the request was not served; other 5xx leave it open whether Finch acted before failing. */
    static FinchUnavailableException serverError(int finchStatus, Duration retryAfter, boolean shouldRetry) {
        return new FinchUnavailableException(502, "Finch answered HTTP " + finchStatus, retryAfter, shouldRetry,
                finchStatus != 503);
    }

    /** The request may have been sent before the connection dropped. */
    static FinchUnavailableException connectionFailed() {
        return new FinchUnavailableException(502, "The connection to Finch failed", null, true, true);
    }

    /** No connection to Finch could be made, so the request was never sent. */
    static FinchUnavailableException notReached() {
        return new FinchUnavailableException(502, "Finch could not be reached", null, true, false);
    }

    static FinchUnavailableException circuitOpen() {
        return new FinchUnavailableException(503, "Finch is failing; calls are paused for a while", null, true, false);
    }

    /** Whether Finch may have acted on the request: matters for calls that are not idempotent. */
    public boolean mayHaveBeenProcessed() {
        return mayHaveBeenProcessed;
    }
}
