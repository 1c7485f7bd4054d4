package io.finchconnect.finch.client;

import io.finchconnect.common.problem.FinchProblems;
import io.finchconnect.common.problem.ProblemException;

/**
 * Finch did not answer within the configured request timeout.
 */
public class FinchTimeoutException extends ProblemException {

    FinchTimeoutException() {
        super(FinchProblems.timeout());
    }
}
