package io.finchconnect.authorization;

import io.finchconnect.common.problem.Problem;
import io.finchconnect.common.problem.ProblemException;

/**
 * Finch's token response names another customer than the flow's: the code belongs to someone else's connection.
 * Answered 409 and nothing is stored; the token Finch issued is dropped unused (disconnecting it would end the
 * other customer's connection).
 */
public class CustomerMismatchException extends ProblemException {

    CustomerMismatchException() {
        super(Problem.of("customer-mismatch", "Customer mismatch", 409,
                "The authorization code belongs to another customer's connection; nothing was stored", null));
    }
}
