package io.finchconnect.simulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The {@code /_control} endpoints tests use to drive the simulator: complete sessions, change connection
 * statuses (with the account.updated webhook Finch would send), send webhooks, inject faults, read state.
 */
final class ControlApi {

    private final SimulatorState state;
    private final WebhookSender webhooks;
    private final FaultInjector faults;
    private final RequestCounter requests;

    ControlApi(SimulatorState state, WebhookSender webhooks, FaultInjector faults, RequestCounter requests) {
        this.state = state;
        this.webhooks = webhooks;
        this.faults = faults;
        this.requests = requests;
    }

    void completeSession(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        String sessionId = ctx.pathParam("session_id");
        String redirectUri = state.session(sessionId).map(ConnectSession::redirectUri).orElse(null);
        AuthorizationCode code = state.authorize(sessionId, RequestFields.optionalString(body, "provider"), redirectUri);
        FinchApi.respond(ctx, 200, new JsonObject()
                .put("code", code.code())
                .put("connection_id", code.connectionId())
                .put("redirect_uri", code.redirectUri()));
    }

    void changeStatus(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        String status = RequestFields.requiredString(body, "status", 64);
        if (!Connection.STATUSES.contains(status)) {
            throw FinchError.invalidRequest("status must be one of " + Connection.STATUSES);
        }
        Connection connection = state.changeStatus(ctx.pathParam("connection_id"), status,
                RequestFields.optionalString(body, "message"));
        JsonObject data = new JsonObject()
                .put("status", status)
                .put("authentication_method", connection.authenticationMethod());
        send(ctx, state.recordEvent(eventBody(connection, "account.updated", data)));
    }

    void sendEvent(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        Connection connection = state.requireConnection(RequestFields.requiredString(body, "connection_id", 255));
        String eventType = RequestFields.requiredString(body, "event_type", 255);
        Object data = body.getValue("data");
        if (data != null && !(data instanceof JsonObject)) {
            throw FinchError.invalidRequest("data must be an object");
        }
        send(ctx, state.recordEvent(eventBody(connection, eventType, data == null ? new JsonObject() : (JsonObject) data)));
    }

    void redeliver(RoutingContext ctx) {
        String eventId = ctx.pathParam("event_id");
        WebhookEvent event = state.event(eventId)
                .orElseThrow(() -> FinchError.notFound("event_not_found", "Event " + eventId + " not found"));
        send(ctx, event);
    }

    void setFault(RoutingContext ctx) {
        FaultInjector.Fault fault;
        try {
            fault = FaultInjector.Fault.parse(FinchApi.jsonBody(ctx));
        } catch (ClassCastException e) {
            throw FinchError.invalidRequest("latency_ms, status, retry_after_seconds and times are numbers, reset a boolean");
        }
        faults.set(ctx.pathParam("endpoint"), fault);
        FinchApi.respond(ctx, 200, faults.snapshot());
    }

    void clearFaults(RoutingContext ctx) {
        faults.clear();
        ctx.response().setStatusCode(204).end();
    }

    void requestCounts(RoutingContext ctx) {
        FinchApi.respond(ctx, 200, requests.snapshot());
    }

    void resetRequestCounts(RoutingContext ctx) {
        requests.reset();
        ctx.response().setStatusCode(204).end();
    }

    void connection(RoutingContext ctx) {
        FinchApi.respond(ctx, 200, connectionJson(state.requireConnection(ctx.pathParam("connection_id"))));
    }

    void customer(RoutingContext ctx) {
        String customerId = ctx.pathParam("customer_id");
        ConnectSession session = state.stagedSession(customerId).orElse(null);
        Connection connection = state.customerConnection(customerId);
        if (session == null && connection == null) {
            throw FinchError.notFound("customer_not_found", "Customer " + customerId + " not found");
        }
        JsonObject json = new JsonObject().put("customer_id", customerId);
        if (session != null) {
            json.put("session", new JsonObject()
                    .put("session_id", session.id())
                    .put("customer_name", session.customerName())
                    .put("customer_email", session.customerEmail())
                    .put("products", new JsonArray(session.products()))
                    .put("redirect_uri", session.redirectUri())
                    .put("integration_provider", session.integrationProvider())
                    .put("integration_auth_method", session.integrationAuthMethod())
                    .put("sandbox", session.sandbox())
                    .put("manual", session.manual())
                    .put("expires_at", session.expiresAt().toString())
                    .put("completed", session.completed()));
        }
        json.put("connection", connection == null ? null : connectionJson(connection));
        FinchApi.respond(ctx, 200, json);
    }

    private JsonObject connectionJson(Connection connection) {
        return new JsonObject()
                .put("connection_id", connection.id())
                .put("company_id", connection.companyId())
                .put("account_id", connection.accountId())
                .put("entity_id", connection.entityId())
                .put("customer_id", connection.customerId())
                .put("customer_name", connection.customerName())
                .put("products", new JsonArray(connection.products()))
                .put("provider_id", connection.providerId())
                .put("sandbox", connection.sandbox())
                .put("authentication_method", connection.authenticationMethod())
                .put("status", connection.status())
                .put("message", connection.message())
                .put("active_access_tokens", state.activeTokenCount(connection.id()));
    }

    /** The webhook body as Finch sends it; entity_id is null because connections here have one entity. */
    private static String eventBody(Connection connection, String eventType, JsonObject data) {
        return new JsonObject()
                .put("connection_id", connection.id())
                .put("company_id", connection.companyId())
                .put("account_id", connection.accountId())
                .putNull("entity_id")
                .put("event_type", eventType)
                .put("data", data)
                .encode();
    }

    private void send(RoutingContext ctx, WebhookEvent event) {
        webhooks.deliver(event).onSuccess(delivery -> FinchApi.respond(ctx, 200, delivery.toJson())).onFailure(ctx::fail);
    }
}
