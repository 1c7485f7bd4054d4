package io.finchconnect.simulator;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Finch endpoints the service uses: Connect sessions, code exchange, introspection, disconnect (of the
 * connection or of some entities), and two data endpoints (company, automated jobs).
 */
final class FinchApi {

    static final String API_VERSION = "2020-09-17";

    private final SimulatorState state;
    private final ClientCredentials credentials;
    private final Set<String> allowedRedirectUris;
    private final String baseUrl;
    private final WebhookEvents events;

    FinchApi(SimulatorState state, ClientCredentials credentials, Set<String> allowedRedirectUris, String baseUrl,
             WebhookEvents events) {
        this.state = state;
        this.events = events;
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
        respond(ctx, 201, sessionResponse(session));
    }

    void createReauthSession(RoutingContext ctx) {
        credentials.requireBasic(ctx);
        ConnectSession session = state.reauthSession(ReauthSessionRequest.parse(jsonBody(ctx), allowedRedirectUris));
        respond(ctx, 201, sessionResponse(session));
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
                .put("entity_ids", new JsonArray(connection.entityIds()))
                .put("products", new JsonArray(connection.products()))
                .put("provider_id", connection.providerId())
                .put("customer_id", connection.customerId())
                .put("customer_name", connection.customerName())
                .put("company_id", connection.companyId())
                .put("account_id", connection.accountId()));
    }

    /** Every field of the SDK's {@code Introspection} (resources/account.ts, 10.8.1). */
    void introspect(RoutingContext ctx) {
        SimulatorState.AccessToken token = state.token(bearerToken(ctx));
        Connection connection = state.requireConnection(token.connectionId());
        JsonObject status = connectionStatus(connection);
        JsonArray entities = new JsonArray();
        for (Connection.Entity entity : connection.entities()) {
            entities.add(new JsonObject().put("id", entity.id()).put("name", entity.name())
                    .put("source_id", entity.sourceId()).put("status", entity.status()));
        }
        respond(ctx, 200, new JsonObject()
                .put("id", token.id())
                .put("client_id", credentials.clientId())
                .put("client_type", "sandbox")
                .put("connection_id", connection.id())
                .put("connection_status", status)
                .put("connection_type", connection.connectionType())
                .put("products", new JsonArray(connection.products()))
                .put("provider_id", connection.providerId())
                .put("account_id", connection.accountId())
                .put("authentication_methods", new JsonArray().add(new JsonObject()
                        .put("type", connection.authenticationMethod())
                        .put("connection_status", status.copy())
                        .put("products", new JsonArray(connection.products()))))
                .put("company_id", connection.companyId())
                .put("customer_email", connection.customerEmail())
                .put("customer_id", connection.customerId())
                .put("customer_name", connection.customerName())
                .put("entities", entities)
                .put("manual", connection.manual())
                .put("payroll_provider_id", connection.providerId())
                .putNull("username"));
    }

    void disconnect(RoutingContext ctx) {
        Connection connection = state.connectionForToken(bearerToken(ctx));
        state.disconnect(connection);
        respond(ctx, 200, new JsonObject().put("status", "success"));
        // Finch's Disconnect page: disconnecting fires account.updated, delivered apart from the answer.
        events.accountUpdated(connection, null, "disconnected", events.defaultMode());
    }

    /** {@code POST /disconnect-entity} (SDK 9.10): removes the named entities, leaves the others connected. */
    void disconnectEntity(RoutingContext ctx) {
        Connection connection = state.connectionForToken(bearerToken(ctx));
        Object value = jsonBody(ctx).getValue("entity_ids");
        if (!(value instanceof JsonArray array) || array.isEmpty()) {
            throw FinchError.invalidRequest("entity_ids is required: an array of at least one entity id");
        }
        List<String> entityIds = new ArrayList<>();
        for (Object item : array) {
            if (!(item instanceof String entityId) || entityId.isEmpty()) {
                throw FinchError.invalidRequest("entity_ids must hold entity id strings");
            }
            entityIds.add(entityId);
        }
        List<Connection.Entity> removed = state.disconnectEntities(connection, entityIds);
        respond(ctx, 200, new JsonObject().put("status", "success"));
        events.entitiesDisconnected(connection, removed);
    }

    /** A data endpoint: answers 401 reauthenticate_user while the connection (or every entity) is in reauth. */
    void company(RoutingContext ctx) {
        Connection connection = dataConnection(ctx);
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

    /** {@code GET /jobs/automated/{job_id}}: the SDK's {@code AutomatedAsyncJob}. */
    void automatedJob(RoutingContext ctx) {
        Connection connection = dataConnection(ctx);
        String jobId = ctx.pathParam("job_id");
        SimulatorState.Job job = state.job(jobId).filter(found -> found.connectionId().equals(connection.id()))
                .orElseThrow(() -> FinchError.notFound("Job " + jobId + " not found"));
        respond(ctx, 200, jobJson(job, baseUrl));
    }

    static JsonObject jobJson(SimulatorState.Job job, String baseUrl) {
        return new JsonObject()
                .put("job_id", job.id())
                .put("job_url", baseUrl + "/jobs/automated/" + job.id())
                .put("type", job.type())
                .put("status", job.status())
                .put("created_at", job.createdAt().toString())
                .put("started_at", job.createdAt().toString())
                .put("completed_at", job.completedAt() == null ? null : job.completedAt().toString())
                .putNull("scheduled_at")
                .putNull("params");
    }

    private Connection dataConnection(RoutingContext ctx) {
        Connection connection = state.connectionForToken(bearerToken(ctx));
        if ("reauth".equals(connection.status())) {
            throw FinchError.reauthenticateUser();
        }
        return connection;
    }

    private static JsonObject connectionStatus(Connection connection) {
        JsonObject status = new JsonObject()
                .put("status", connection.status())
                .put("last_successful_sync", connection.lastSuccessfulSync() == null
                        ? null : connection.lastSuccessfulSync().toString());
        // The SDK types message as an optional string: absent rather than null when there is none.
        if (connection.message() != null) {
            status.put("message", connection.message());
        }
        return status;
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
            throw FinchError.missingToken();
        }
        return header.substring(7).trim();
    }

    /**
     * Sends the answer, as it stands now; a request with {@code hold_answer} hands it to be sent on release, and one
     * with {@code after_processing} gets that fault's error instead (the work is done, the answer lost).
     */
    static void respond(RoutingContext ctx, int status, JsonObject body) {
        Runnable lost = ctx.remove(FaultInjector.ANSWER_LOST);
        if (lost != null) {
            lost.run();
            return;
        }
        String encoded = body.encode();
        java.util.function.Consumer<Runnable> hold = ctx.get(FaultInjector.HOLD_ANSWER);
        if (hold == null) {
            send(ctx, status, encoded);
        } else {
            hold.accept(() -> send(ctx, status, encoded));
        }
    }

    private static void send(RoutingContext ctx, int status, String body) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(body);
    }
}
