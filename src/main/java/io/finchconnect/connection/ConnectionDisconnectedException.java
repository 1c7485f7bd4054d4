package io.finchconnect.connection;

import io.finchconnect.common.error.ServiceException;

/** A disconnected connection is final: Finch has no reconnect, a new Connect session makes a new connection. */
public class ConnectionDisconnectedException extends ServiceException {

    public ConnectionDisconnectedException(String connectionId) {
        super("connection-disconnected", "Connection " + connectionId
                + " is disconnected; a new Connect session connects the customer again");
    }
}
