package io.finchconnect.simulator;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The connection and customer a Finch request is about, read before it is counted, faulted and handled: the
 * {@code customer_id} of a new session, the {@code connection_id} of a reauthentication session, the connection
 * of a code at {@code /auth/token}, the connection of the access token of every bearer call; a connection's
 * customer too. Reading it never answers anything: a request whose subject cannot be read (a body that is not
 * JSON, an unknown code or token) is about nobody, and its handler refuses it exactly as Finch would.
 */
record RequestSubject(String connectionId, String customerId) {

    static final RequestSubject NOBODY = new RequestSubject(null, null);
    private static final String KEY = "finch-simulator.request-subject";

    /** How an endpoint's requests name what they are about. */
    enum Source { NEW_SESSION, REAUTH_SESSION, CODE, ACCESS_TOKEN }

    static Handler<RoutingContext> reading(Source source, SimulatorState state) {
        return ctx -> {
            ctx.put(KEY, read(ctx, source, state));
            ctx.next();
        };
    }

    static RequestSubject of(RoutingContext ctx) {
        RequestSubject subject = ctx.get(KEY);
        return subject == null ? NOBODY : subject;
    }

    private static RequestSubject read(RoutingContext ctx, Source source, SimulatorState state) {
        return switch (source) {
            case NEW_SESSION -> new RequestSubject(null, string(body(ctx), "customer_id"));
            case REAUTH_SESSION -> ofConnection(state, string(body(ctx), "connection_id"));
            case CODE -> state.codeConnection(string(body(ctx), "code"))
                    .map(connection -> new RequestSubject(connection.id(), connection.customerId())).orElse(NOBODY);
            case ACCESS_TOKEN -> state.tokenConnection(bearerToken(ctx))
                    .map(connection -> new RequestSubject(connection.id(), connection.customerId())).orElse(NOBODY);
        };
    }

    private static RequestSubject ofConnection(SimulatorState state, String connectionId) {
        if (connectionId == null) {
            return NOBODY;
        }
        return new RequestSubject(connectionId, state.knownConnection(connectionId).map(Connection::customerId).orElse(null));
    }

    private static JsonObject body(RoutingContext ctx) {
        try {
            return ctx.body().length() <= 0 ? null : ctx.body().asJsonObject();
        } catch (RuntimeException notAJsonObject) {
            return null;
        }
    }

    private static String string(JsonObject body, String field) {
        return body != null && body.getValue(field) instanceof String value ? value : null;
    }

    private static String bearerToken(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    }
}
