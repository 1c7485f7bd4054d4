package io.finchconnect.simulator;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Providers whose login fails, set through {@code /_control/providers/:provider/outage}: the Connect page then
 * answers an authorization with that provider as Finch does when the employer's system cannot be reached, an
 * {@code employer_connection_error} (embedded) or a redirect with {@code error} (redirect flow).
 */
final class ProviderOutages {

    static final String DEFAULT_MESSAGE = "We could not connect to your provider. Please try again later.";

    private final Map<String, String> messages = new ConcurrentHashMap<>();

    Optional<String> message(String provider) {
        return Optional.ofNullable(messages.get(provider));
    }

    void start(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        String message = RequestFields.optionalString(body, "message");
        String provider = ctx.pathParam("provider");
        messages.put(provider, message == null || message.isBlank() ? DEFAULT_MESSAGE : message);
        FinchApi.respond(ctx, 200, new JsonObject().put("provider", provider).put("message", messages.get(provider)));
    }

    void end(RoutingContext ctx) {
        messages.remove(ctx.pathParam("provider"));
        ctx.response().setStatusCode(204).end();
    }
}
