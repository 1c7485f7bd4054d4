package io.finchconnect.authorization;

import io.finchconnect.common.error.ServiceException;

/**
 * Finch's token response names another customer than the flow's: the code belongs to someone else's connection.
 * Nothing is stored; the token Finch issued is dropped unused (disconnecting it would end the
 * other customer's connection).
 */
public class CustomerMismatchException extends ServiceException {

    CustomerMismatchException() {
        super("customer-mismatch", "The authorization code belongs to another customer's connection; nothing was stored");
    }
}
