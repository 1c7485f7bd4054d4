package io.finchconnect.authorization;

import java.util.LinkedHashMap;
import java.util.Map;

import io.finchconnect.common.problem.Problem;
import io.finchconnect.common.problem.ProblemException;

/**
 * Finch granted a connection (its code is spent) but PostgreSQL stayed unavailable for the whole retry window:
 * the employer is told to try again later (503) and an operator adopts the connection through reauthenticate.
 * Carries the connection id, never the token.
 */
public class GrantNotStoredException extends ProblemException {

    private final String connectionId;

    GrantNotStoredException(String connectionId, String customerId) {
        super(Problem.of("grant-not-stored", "Connection not stored yet", 503,
                "Finch accepted the code but the connection could not be stored; try again later. An operator can adopt "
                        + "it with POST /v1/connect/sessions/reauthenticate naming connection_id and customer_id",
                extensions(connectionId, customerId)));
        this.connectionId = connectionId;
    }

    public String connectionId() {
        return connectionId;
    }

    private static Map<String, Object> extensions(String connectionId, String customerId) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("connection_id", connectionId);
        extensions.put("customer_id", customerId);
        return extensions;
    }
}
