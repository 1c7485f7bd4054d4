package io.finchconnect.reauth;

import io.finchconnect.common.error.ServiceException;

/** Finch's status moved the connection while Finch made the session: nothing was stored, the caller asks again. */
public class ConnectionChangedException extends ServiceException {

    ConnectionChangedException() {
        super("connection-changed", "The connection's status changed while Finch made the session; ask again");
    }
}
