package io.finchconnect.connection;

import java.util.LinkedHashMap;
import java.util.Map;

import io.finchconnect.common.error.ServiceException;

/** The customer already has a live connection; changes to it go through reauthentication. */
public class ConnectionExistsException extends ServiceException {

    private final String connectionId;
    private final String connectionStatus;

    public ConnectionExistsException(String connectionId, String connectionStatus) {
        super("connection-exists", "The customer already has a connection; use POST /v1/connect/sessions/reauthenticate to change it");
        this.connectionId = connectionId;
        this.connectionStatus = connectionStatus;
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        if (connectionId != null) {
            details.put("connection_id", connectionId);
        }
        // Not "status": RFC 9457 gives that member the HTTP status.
        details.put("connection_status", connectionStatus);
        return details;
    }
}
