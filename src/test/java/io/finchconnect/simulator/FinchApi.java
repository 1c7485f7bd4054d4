package io.finchconnect.simulator;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** The Finch endpoints the service uses: Connect sessions, code exchange, introspection, disconnect, company. */
final class FinchApi {

    static final String API_VERSION = "2020-09-17";

    private final SimulatorState state;
    private final ClientCredentials credentials;
    private final Set<String> allowedRedirectUris;
    private final String baseUrl;

    FinchApi(SimulatorState state, ClientCredentials credentials, Set<String> allowedRedirectUris, String baseUrl) {
        this.state = state;
        this.credentials = credentials;
        this.allowedRedirectUris = allowedRedirectUris;
        this.baseUrl = baseUrl;
    }

    static void requireApiVersion(RoutingContext ctx) {
        if (!API_VERSION.equals(ctx.request().getHeader("Finch-API-Version"))) {
            throw FinchError.invalidApiVersion();
        }
        ctx.next();
    }

    void createSession(RoutingContext ctx) {
        credentials.requireBasic(ctx);
        ConnectSession session = state.stageSession(NewSessionRequest.parse(jsonBody(ctx), allowedRedirectUris));
        respond(ctx, 200, sessionResponse(session));
    }

    void createReauthSession(RoutingContext ctx) {
        credentials.requireBasic(ctx);
        ConnectSession session = state.reauthSession(ReauthSessionRequest.parse(jsonBody(ctx), allowedRedirectUris));
        respond(ctx, 200, sessionResponse(session));
    }

    void exchangeCode(RoutingContext ctx) {
        JsonObject body = jsonBody(ctx);
        credentials.requireFromBodyOrBasic(ctx, body);
        String code = RequestFields.requiredString(body, "code", 1024);
        SimulatorState.TokenGrant grant = state.exchange(code, RequestFields.optionalString(body, "redirect_uri"));
        Connection connection = grant.connection();
        respond(ctx, 200, new JsonObject()
                .put("access_token", grant.accessToken())
                .put("token_type", "bearer")
                .put("connection_id", connection.id())
                .put("client_type", "sandbox")
                .put("connection_type", connection.connectionType())
                .put("entity_ids", new JsonArray().add(connection.entityId()))
                .put("products", new JsonArray(connection.products()))
                .put("provider_id", connection.providerId())
                .put("customer_id", connection.customerId())
                .put("customer_name", connection.customerName())
                .put("company_id", connection.companyId())
                .put("account_id", connection.accountId()));
    }

    void introspect(RoutingContext ctx) {
        Connection connection = state.connectionForToken(bearerToken(ctx));
        respond(ctx, 200, new JsonObject()
                .put("connection_id", connection.id())
                .put("connection_status", new JsonObject()
                        .put("status", connection.status())
                        .put("message", connection.message())
                        .put("last_successful_sync", connection.lastSuccessfulSync() == null
                                ? null : connection.lastSuccessfulSync().toString()))
                .put("customer_id", connection.customerId())
                .put("customer_name", connection.customerName())
                .put("products", new JsonArray(connection.products()))
                .put("provider_id", connection.providerId())
                .put("company_id", connection.companyId())
                .put("client_type", "sandbox")
                .put("connection_type", connection.connectionType())
                .put("account_id", connection.accountId()));
    }

    void disconnect(RoutingContext ctx) {
        state.disconnect(state.connectionForToken(bearerToken(ctx)));
        respond(ctx, 200, new JsonObject().put("status", "success"));
    }

    void company(RoutingContext ctx) {
        Connection connection = state.connectionForToken(bearerToken(ctx));
        if ("reauth".equals(connection.status())) {
            throw FinchError.reauthenticateUser();
        }
        respond(ctx, 200, new JsonObject()
                .put("id", connection.companyId())
                .put("legal_name", connection.customerName())
                .put("entity", new JsonObject().put("type", "llc").putNull("subtype"))
                .put("ein", "12-3456789")
                .putNull("primary_email")
                .putNull("primary_phone_number")
                .put("departments", new JsonArray())
                .put("locations", new JsonArray())
                .put("accounts", new JsonArray()));
    }

    private JsonObject sessionResponse(ConnectSession session) {
        return new JsonObject()
                .put("session_id", session.id())
                .put("connect_url", baseUrl + "/authorize?session=" + session.id());
    }

    static JsonObject jsonBody(RoutingContext ctx) {
        if (ctx.body().length() <= 0) {
            return new JsonObject();
        }
        try {
            JsonObject body = ctx.body().asJsonObject();
            return body == null ? new JsonObject() : body;
        } catch (DecodeException | ClassCastException e) {
            throw FinchError.invalidRequest("The request body must be a JSON object");
        }
    }

    private static String bearerToken(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw FinchError.invalidToken();
        }
        return header.substring(7).trim();
    }

    static void respond(RoutingContext ctx, int status, JsonObject body) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(body.encode());
    }
}
