package io.finchconnect.finch.client;

import io.finchconnect.common.problem.FinchProblems;
import io.finchconnect.common.problem.ProblemException;

/**
 * Finch refused a request with a 4xx (other than 429): final, never retried. Carries Finch's own error fields
 * so callers can tell the cases they handle apart; it never carries what was sent.
 */
public class FinchRejectedException extends ProblemException {

    static final String CONNECTION_ALREADY_EXISTS = "connection_already_exists";
    static final String REAUTHENTICATE_USER = "reauthenticate_user";

    private final int finchStatus;
    private final String finchName;
    private final String finchCode;
    private final String finchMessage;

    FinchRejectedException(int finchStatus, FinchErrorBody body) {
        super(FinchProblems.rejected(answerStatus(finchStatus), finchStatus, body == null ? null : body.name(),
                body == null ? null : body.finchCode(), body == null ? null : body.message()));
        this.finchStatus = finchStatus;
        this.finchName = body == null ? null : body.name();
        this.finchCode = body == null ? null : body.finchCode();
        this.finchMessage = body == null ? null : body.message();
    }

    /**
     * 401 and 403 concern this service's credentials or a connection's token, not our caller's request, so our
     * caller gets a bad gateway; other refusals keep Finch's status.
     */
    private static int answerStatus(int finchStatus) {
        return finchStatus == 401 || finchStatus == 403 ? 502 : finchStatus;
    }

    /** Finch's answer to a new session for a customer that already connected: use reauthenticate instead. */
    public boolean isConnectionAlreadyExists() {
        return CONNECTION_ALREADY_EXISTS.equals(finchCode);
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
