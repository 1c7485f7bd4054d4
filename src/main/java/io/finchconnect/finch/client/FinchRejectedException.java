package io.finchconnect.finch.client;

import java.time.Duration;
import java.util.Optional;

import io.finchconnect.common.problem.FinchProblems;
import io.finchconnect.common.problem.ProblemException;

/**
 * Finch refused a request with a 4xx (other than 429), or answered 501: final unless Finch's retry rules say
 * otherwise (408 and 409 are retried, {@code x-should-retry} overrides). Carries Finch's own error fields so
 * callers can tell the cases they handle apart, and passes them to our caller; it never carries what was sent.
 */
public class FinchRejectedException extends ProblemException {

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
        super(FinchProblems.rejected(answerStatus(finchStatus), finchStatus, body == null ? null : body.name(),
                body == null ? null : body.finchCode(), body == null ? null : body.message()));
        this.finchStatus = finchStatus;
        this.finchName = body == null ? null : body.name();
        this.finchCode = body == null ? null : body.finchCode();
        this.finchMessage = body == null ? null : body.message();
        this.shouldRetry = shouldRetry;
        this.retryAfter = retryAfter;
    }

    /**
     * 401 and 403 concern this service's credentials or a connection's token, not our caller's request, and a 501
     * is Finch's own gap, so our caller gets a bad gateway; other refusals keep Finch's status.
     */
    private static int answerStatus(int finchStatus) {
        return finchStatus == 401 || finchStatus == 403 || finchStatus >= 500 ? 502 : finchStatus;
    }

    /** Whether Finch's retry rules allow the same idempotent call again (408, 409, or {@code x-should-retry: true}). */
    public boolean shouldRetry() {
        return shouldRetry;
    }

    /** Finch's {@code retry-after-ms} or {@code Retry-After}, when it sent one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
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
