package io.finchconnect.authorization;

import java.util.LinkedHashMap;
import java.util.Map;

import io.finchconnect.common.error.ServiceException;

/**
 * Finch granted a connection (its code is spent) but PostgreSQL stayed unavailable for the whole retry window:
 * the employer is told to try again later and an operator adopts the connection through reauthenticate.
 * Carries the connection id, never the token.
 */
public class GrantNotStoredException extends ServiceException {

    private final String connectionId;
    private final String customerId;

    GrantNotStoredException(String connectionId, String customerId) {
        super("grant-not-stored", "Finch accepted the code but the connection could not be stored; try again later. An "
                + "operator can adopt it with POST /v1/connect/sessions/reauthenticate naming connection_id and customer_id");
        this.connectionId = connectionId;
        this.customerId = customerId;
    }

    public String connectionId() {
        return connectionId;
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("connection_id", connectionId);
        details.put("customer_id", customerId);
        return details;
    }
}
