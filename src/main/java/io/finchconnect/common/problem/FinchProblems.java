package io.finchconnect.common.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The problem details for failures of calls to Finch, so every caller answers them alike.
 */
public final class FinchProblems {

    private FinchProblems() {
    }

    /** Finch answered 5xx, reset the connection, or our breaker is open (then 503). */
    public static Problem unavailable(int status, String detail) {
        return Problem.of("finch-unavailable", "Finch unavailable", status, detail, null);
    }

    public static Problem timeout() {
        return Problem.of("finch-timeout", "Finch timeout", 504, "Finch did not answer in time", null);
    }

    public static Problem rateLimited(Long retryAfterSeconds) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        if (retryAfterSeconds != null) {
            extensions.put("retry_after_seconds", retryAfterSeconds);
        }
        return Problem.of("finch-rate-limited", "Finch rate limit", 503,
                "Finch is rate limiting this service; retry later", extensions);
    }

    /**
     * Finch refused the request (4xx, or 501); its own error fields ({@code name}, {@code finch_code},
     * {@code message}) travel along as {@code finch_name}, {@code finch_code} and {@code finch_message}, so callers
     * can act on them.
     */
    public static Problem rejected(int status, int finchStatus, String finchName, String finchCode, String message) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("finch_status", finchStatus);
        if (finchName != null) {
            extensions.put("finch_name", finchName);
        }
        if (finchCode != null) {
            extensions.put("finch_code", finchCode);
        }
        if (message != null) {
            extensions.put("finch_message", message);
        }
        return Problem.of("finch-rejected", "Finch rejected the request", status,
                message == null ? "Finch rejected the request" : message, extensions);
    }
}
