package io.finchconnect.finch.client;

import java.util.List;
import java.util.UUID;

import io.finchconnect.testing.TestStack;

/** Session requests of new customers, as the gateway tests send them to the simulator. */
final class SessionRequests {

    private SessionRequests() {
    }

    static String uniqueCustomerId() {
        return "cust-" + UUID.randomUUID();
    }

    static ConnectSessionRequest sessionRequest(String customerId) {
        return new ConnectSessionRequest(customerId, "Acme " + customerId, null, List.of("company", "directory"),
                TestStack.REDIRECT_URI, null, null, null, null, null);
    }
}
