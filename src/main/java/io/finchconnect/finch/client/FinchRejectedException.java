package io.finchconnect.finch.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.finchconnect.common.error.ServiceException;

/**
 * Finch refused a request with a 4xx (other than 429), or answered 501: final unless Finch's retry rules say
 * otherwise (408 and 409 are retried, {@code x-should-retry} overrides). Carries Finch's own error fields so
 * callers can tell the cases they handle apart, and passes them to our caller; it never carries what was sent.
 */
public class FinchRejectedException extends ServiceException {

    static final String REAUTHENTICATE_USER = "reauthenticate_user";

    private final int finchStatus;
    private final String finchName;
    private final String finchCode;
    private final String finchMessage;
    private final boolean shouldRetry;
    private final Duration retryAfter;

    FinchRejectedException(int finchStatus, FinchErrorBody body) {
        this(finchStatus, body, false, null);
    }

    FinchRejectedException(int finchStatus, FinchErrorBody body, boolean shouldRetry, Duration retryAfter) {
        super("finch-rejected", body == null || body.message() == null ? "Finch rejected the request" : body.message());
        this.finchStatus = finchStatus;
        this.finchName = body == null ? null : body.name();
        this.finchCode = body == null ? null : body.finchCode();
        this.finchMessage = body == null ? null : body.message();
        this.shouldRetry = shouldRetry;
        this.retryAfter = retryAfter;
    }

    /** Whether Finch's retry rules allow the same idempotent call again (408, 409, or {@code x-should-retry: true}). */
    public boolean shouldRetry() {
        return shouldRetry;
    }

    /** Finch's {@code retry-after-ms} or {@code Retry-After}, when it sent one. */
    public Optional<Duration> finchRetryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Finch's own error fields, which our caller can act on; never what was sent. */
    @Override
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("finch_status", finchStatus);
        if (finchName != null) {
            details.put("finch_name", finchName);
        }
        if (finchCode != null) {
            details.put("finch_code", finchCode);
        }
        if (finchMessage != null) {
            details.put("finch_message", finchMessage);
        }
        return details;
    }

    /** Finch says the connection's credentials stopped working: the employer must reauthenticate. */
    public boolean requiresReauthentication() {
        return REAUTHENTICATE_USER.equals(finchCode);
    }

    public int finchStatus() {
        return finchStatus;
    }

    public String finchName() {
        return finchName;
    }

    public String finchCode() {
        return finchCode;
    }

    public String finchMessage() {
        return finchMessage;
    }
}
