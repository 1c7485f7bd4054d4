package io.finchconnect.common.error;

/** What the caller names (a customer, a connection, an outbox row) is not known here. */
public class UnknownResourceException extends ServiceException {

    public UnknownResourceException(String message) {
        super("not-found", message);
    }
}
