package io.finchconnect.finch.client;

import java.time.Duration;

/**
 * Finch could not serve the call: a 5xx answer, a dropped connection, an answer that is not Finch's, or our circuit
 * breaker is open.
 */
public class FinchUnavailableException extends FinchTransientException {

    private final boolean mayHaveBeenProcessed;
    private final boolean circuitOpen;

    private FinchUnavailableException(String detail, Duration retryAfter, boolean shouldRetry, boolean mayHaveBeenProcessed,
                                      boolean circuitOpen) {
        super("finch-unavailable", detail, retryAfter, shouldRetry);
        this.mayHaveBeenProcessed = mayHaveBeenProcessed;
        this.circuitOpen = circuitOpen;
    }

    /** A 503 says the request was not served; other 5xx leave it open whether Finch acted before failing. */
    static FinchUnavailableException serverError(int finchStatus, Duration retryAfter, boolean shouldRetry) {
        return new FinchUnavailableException("Finch answered HTTP " + finchStatus, retryAfter, shouldRetry,
                finchStatus != 503, false);
    }

    /** The request may have been sent before the connection dropped. */
    static FinchUnavailableException connectionFailed() {
        return new FinchUnavailableException("The connection to Finch failed", null, true, true, false);
    }

    /** No connection to Finch could be made, so the request was never sent. */
    static FinchUnavailableException notReached() {
        return new FinchUnavailableException("Finch could not be reached", null, true, false, false);
    }

    /**
     * A refusal in a shape that is not Finch's (an HTML page with a 401, say): something between us and Finch
     * answered. Whether Finch saw the request is unknown.
     */
    static FinchUnavailableException notFinchs(int status) {
        return new FinchUnavailableException("An answer that is not Finch's: HTTP " + status + " without Finch's error shape",
                null, true, true, false);
    }

    static FinchUnavailableException circuitOpen() {
        return new FinchUnavailableException("Finch is failing; calls are paused for a while", null, true, false, true);
    }

    /** Our circuit breaker is open: the call was not made at all. */
    public boolean byOpenCircuit() {
        return circuitOpen;
    }

    /** Whether Finch may have acted on the request: matters for calls that are not idempotent. */
    public boolean mayHaveBeenProcessed() {
        return mayHaveBeenProcessed;
    }
}
