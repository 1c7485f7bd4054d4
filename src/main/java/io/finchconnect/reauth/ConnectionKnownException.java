package io.finchconnect.reauth;

import io.finchconnect.common.error.ServiceException;

/** An operator asked to adopt a connection this service has stored already: it is reauthenticated as it is. */
public class ConnectionKnownException extends ServiceException {

    ConnectionKnownException(String connectionId, String owner) {
        super("connection-known", "Connection " + connectionId + " is stored already (customer " + owner
                + "); reauthenticate it without customer_id");
    }
}
