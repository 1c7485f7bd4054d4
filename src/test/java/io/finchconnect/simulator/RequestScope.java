package io.finchconnect.simulator;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Which Finch requests a fault or a count covers: every request, or only those about one connection or one
 * customer (see {@link RequestSubject}), so one test's faults and counts are not another's.
 */
record RequestScope(String connectionId, String customerId) {

    static final RequestScope EVERY_REQUEST = new RequestScope(null, null);

    static RequestScope connection(String connectionId) {
        return new RequestScope(connectionId, null);
    }

    static RequestScope customer(String customerId) {
        return new RequestScope(null, customerId);
    }

    /** The scope a control request names in its query ({@code ?connection_id=} or {@code ?customer_id=}), if any. */
    static RequestScope ofQuery(RoutingContext ctx) {
        List<String> connectionIds = ctx.queryParam("connection_id");
        List<String> customerIds = ctx.queryParam("customer_id");
        return of(connectionIds.isEmpty() ? null : connectionIds.get(0), customerIds.isEmpty() ? null : customerIds.get(0),
                connectionIds.size() > 1 || customerIds.size() > 1);
    }

    /** The scope a fault names in its body ({@code connection_id} or {@code customer_id}), if any. */
    static RequestScope ofBody(JsonObject body) {
        Object connectionId = body.getValue("connection_id");
        Object customerId = body.getValue("customer_id");
        if ((connectionId != null && !(connectionId instanceof String)) || (customerId != null && !(customerId instanceof String))) {
            throw FinchError.invalidRequest("connection_id and customer_id are strings");
        }
        return of((String) connectionId, (String) customerId, false);
    }

    private static RequestScope of(String connectionId, String customerId, boolean repeated) {
        if (repeated) {
            throw FinchError.invalidRequest("connection_id and customer_id are given once");
        }
        if (connectionId != null && customerId != null) {
            throw FinchError.invalidRequest("a scope names a connection_id or a customer_id, not both");
        }
        if ((connectionId != null && connectionId.isBlank()) || (customerId != null && customerId.isBlank())) {
            throw FinchError.invalidRequest("connection_id and customer_id must not be blank");
        }
        return new RequestScope(connectionId, customerId);
    }

    boolean isEveryRequest() {
        return connectionId == null && customerId == null;
    }

    /** The scopes that cover a request, narrowest first: its connection, its customer. */
    static List<RequestScope> narrowestFirst(RequestSubject subject) {
        List<RequestScope> scopes = new ArrayList<>(2);
        if (subject.connectionId() != null) {
            scopes.add(connection(subject.connectionId()));
        }
        if (subject.customerId() != null) {
            scopes.add(customer(subject.customerId()));
        }
        return scopes;
    }
}
