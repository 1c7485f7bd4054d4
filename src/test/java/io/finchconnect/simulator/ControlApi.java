package io.finchconnect.simulator;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code /_control} endpoints tests use to drive the simulator. Not part of Finch's API.
 *
 * <p>Connections and sessions:
 * <ul>
 * <li>{@code POST /_control/sessions/{session_id}/complete} {@code {provider?, entities?, new_entities?}}: the
 *     employer authorizes; answers {@code {code, connection_id, redirect_uri}}. {@code entities} (1 to 20, default 1)
 *     makes a multi-entity connection; {@code new_entities} (a reauthentication session only, default 0): the
 *     employer grants that many more entities while back in Connect.</li>
 * <li>{@code POST /_control/sessions/{session_id}/expire}: the session's validity ends now.</li>
 * <li>{@code PUT /_control/connections/{connection_id}/last-successful-sync} {@code {last_successful_sync}}: when Finch
 *     last synced the connection (ISO-8601, or null), as introspection reports it; a data-sync job that completes
 *     sets it too.</li>
 * <li>{@code GET /_control/sessions/{session_id}}: the session as Finch holds it ({@code kind} {@code staged} or
 *     {@code reauth}, {@code connection_id} of a reauthentication session, {@code redirect_uri}, {@code expires_at},
 *     {@code completed}, {@code usable}); {@code 404} for a session Finch never made. Finch's API has no such call: it
 *     is how a test sees whether a link it was handed would still open Connect.</li>
 * <li>{@code POST /_control/connections/{connection_id}/status} {@code {status, message?, delivery?}}: changes the
 *     connection's status (and its attached entities') and sends {@code account.updated} with {@code entity_id} null.</li>
 * <li>{@code POST /_control/connections/{connection_id}/entities/{entity_id}/status} {@code {status, delivery?}}: one
 *     entity's status, with {@code account.updated} naming that {@code entity_id}.</li>
 * <li>{@code POST /_control/connections/{connection_id}/jobs} {@code {type, status?, delivery?}}: an automated job
 *     ({@code data_sync_all}, {@code w4_form_employee_sync}, {@code benefit_*}, {@code initial_data_sync_org},
 *     {@code initial_data_sync_payroll}) finished with {@code status} (default {@code complete}), readable at
 *     {@code GET /jobs/automated/{job_id}}, and its {@code job.<type>.completed} (or {@code .succeeded}) webhook.</li>
 * <li>{@code GET /_control/connections/{connection_id}}, {@code GET /_control/customers/{customer_id}}: state.</li>
 * </ul>
 *
 * <p>Webhooks. Every event-making request takes {@code delivery}: {@code now} (the default), {@code hold} (kept
 * until delivered below), {@code fail_first} (its first attempt fails without reaching the receiver, then it waits
 * like a held one), {@code drop} (never delivered: a lost webhook). Each attempt is signed anew with its own
 * {@code Finch-Timestamp}, later than any earlier attempt of the same event.
 * <ul>
 * <li>{@code POST /_control/webhooks} {@code {connection_id, event_type, data?, entity_id?, delivery?}}: any event.</li>
 * <li>{@code PUT /_control/webhooks/delivery} {@code {delivery}}: the mode of events that name none, including
 *     those the Finch API makes itself ({@code /disconnect}, {@code /disconnect-entity}); answers the old and new.</li>
 * <li>{@code GET /_control/webhooks/waiting}: the held and failed-once events, oldest first.</li>
 * <li>{@code POST /_control/webhooks/waiting/deliver} {@code {order?: "oldest_first"|"newest_first", event_ids?}}:
 *     delivers waiting events one after another in that order (or exactly the listed ones, in list order).</li>
 * <li>{@code POST /_control/webhooks/{event_id}/deliver}: delivers one waiting event now (a late retry).</li>
 * <li>{@code POST /_control/webhooks/{event_id}/redeliver}: delivers any event again (a duplicate), not a dropped one.</li>
 * <li>{@code GET /_control/webhooks/{event_id}}: the event, its mode and every attempt with its timestamp and answer.</li>
 * </ul>
 *
 * <p>Faults and counts (see {@link FaultInjector}, {@link RequestCounter}), for every request or scoped to the
 * requests about one connection or customer ({@link RequestSubject}):
 * <ul>
 * <li>{@code PUT /_control/faults/{endpoint}} {@code {latency_ms?, status?, ..., times?, connection_id? | customer_id?}}:
 *     answers the faults of the same scope.</li>
 * <li>{@code DELETE /_control/faults[?connection_id=|?customer_id=]}: that scope's faults; without one, every fault
 *     (and every held answer is sent).</li>
 * <li>{@code GET /_control/held-answers}: {@code {held}}, the answers a {@code hold_answer} fault holds now.</li>
 * <li>{@code POST /_control/held-answers/release}: sends them, in the order they were held: {@code {released}}.</li>
 * <li>{@code GET /_control/requests[?connection_id=|?customer_id=]}: requests received per endpoint, in the scope.</li>
 * <li>{@code DELETE /_control/requests[?connection_id=|?customer_id=]}: resets that scope's counts; without one, all
 *     (the peaks too).</li>
 * <li>{@code GET /_control/requests/peaks}: per endpoint, the most of its requests in flight at once.</li>
 * </ul>
 */
final class ControlApi {

    private static final Set<String> JOB_STATUSES = Set.of("pending", "in_progress", "complete", "error", "reauth_error",
            "permissions_error");
    private static final Set<String> COMPLETED_JOBS = Set.of("data_sync_all", "w4_form_employee_sync", "benefit_create",
            "benefit_enroll", "benefit_register", "benefit_unenroll", "benefit_update");
    private static final Set<String> SUCCEEDED_JOBS = Set.of("initial_data_sync_org", "initial_data_sync_payroll");
    private static final Set<String> DATA_SYNCS = Set.of("initial_data_sync_org", "initial_data_sync_payroll",
            "data_sync_all");

    private final SimulatorState state;
    private final WebhookSender webhooks;
    private final WebhookEvents events;
    private final FaultInjector faults;
    private final RequestCounter requests;
    private final String baseUrl;

    ControlApi(SimulatorState state, WebhookSender webhooks, WebhookEvents events, FaultInjector faults,
               RequestCounter requests, String baseUrl) {
        this.state = state;
        this.webhooks = webhooks;
        this.events = events;
        this.faults = faults;
        this.requests = requests;
        this.baseUrl = baseUrl;
    }

    void completeSession(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        String sessionId = ctx.pathParam("session_id");
        String redirectUri = state.session(sessionId).map(ConnectSession::redirectUri).orElse(null);
        Object entities = body.getValue("entities");
        if (entities != null && !(entities instanceof Integer)) {
            throw FinchError.invalidRequest("entities must be an integer");
        }
        Object newEntities = body.getValue("new_entities");
        if (newEntities != null && !(newEntities instanceof Integer)) {
            throw FinchError.invalidRequest("new_entities must be an integer");
        }
        AuthorizationCode code = state.authorize(sessionId, RequestFields.optionalString(body, "provider"), redirectUri,
                entities == null ? 1 : (Integer) entities, newEntities == null ? 0 : (Integer) newEntities);
        FinchApi.respond(ctx, 200, new JsonObject()
                .put("code", code.code())
                .put("connection_id", code.connectionId())
                .put("redirect_uri", code.redirectUri()));
    }

    void expireSession(RoutingContext ctx) {
        ConnectSession session = state.expireSession(ctx.pathParam("session_id"));
        FinchApi.respond(ctx, 200, new JsonObject().put("session_id", session.id()).put("expires_at", session.expiresAt().toString()));
    }

    void session(RoutingContext ctx) {
        String sessionId = ctx.pathParam("session_id");
        ConnectSession session = state.session(sessionId)
                .orElseThrow(() -> FinchError.notFound("Session " + sessionId + " not found"));
        FinchApi.respond(ctx, 200, new JsonObject()
                .put("session_id", session.id())
                .put("kind", session.kind().name().toLowerCase(java.util.Locale.ROOT))
                .put("connection_id", session.connectionId())
                .put("customer_id", session.customerId())
                .put("redirect_uri", session.redirectUri())
                .put("expires_at", session.expiresAt().toString())
                .put("completed", session.completed())
                .put("usable", state.isUsable(session)));
    }

    void changeStatus(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        String status = status(body, Connection.STATUSES);
        Connection connection = state.changeStatus(ctx.pathParam("connection_id"), status,
                RequestFields.optionalString(body, "message"));
        respond(ctx, events.accountUpdated(connection, null, status, mode(body)));
    }

    void changeEntityStatus(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        String status = status(body, Connection.ENTITY_STATUSES);
        Connection connection = state.requireConnection(ctx.pathParam("connection_id"));
        Connection.Entity entity = state.changeEntityStatus(connection, ctx.pathParam("entity_id"), status);
        respond(ctx, events.accountUpdated(connection, entity.id(), status, mode(body)));
    }

    void finishJob(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        Connection connection = state.requireConnection(ctx.pathParam("connection_id"));
        String type = RequestFields.requiredString(body, "type", 64);
        if (!COMPLETED_JOBS.contains(type) && !SUCCEEDED_JOBS.contains(type)) {
            throw FinchError.invalidRequest("type must be one of " + COMPLETED_JOBS + " or " + SUCCEEDED_JOBS);
        }
        String status = RequestFields.optionalEnum(body, "status", JOB_STATUSES);
        SimulatorState.Job job = state.recordJob(connection, type, status == null ? "complete" : status);
        if ("complete".equals(job.status()) && DATA_SYNCS.contains(type)) {
            // A data sync that completed is the connection's latest successful sync, which introspection reports.
            state.synced(connection, job.completedAt());
        }
        String eventType = "job." + type + (SUCCEEDED_JOBS.contains(type) ? ".succeeded" : ".completed");
        JsonObject data = new JsonObject().put("job_id", job.id()).put("job_url", baseUrl + "/jobs/automated/" + job.id());
        events.send(connection, null, eventType, data, mode(body))
                .onSuccess(delivery -> FinchApi.respond(ctx, 200, delivery.toJson()
                        .put("job", FinchApi.jobJson(job, baseUrl))))
                .onFailure(ctx::fail);
    }

    /**
     * {@code PUT /_control/connections/{id}/last-successful-sync} {@code {last_successful_sync}}: when Finch last
     * synced the connection, as its introspection reports it (an ISO-8601 instant, or null for never).
     */
    void setLastSuccessfulSync(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        Connection connection = state.requireConnection(ctx.pathParam("connection_id"));
        String value = body.getString("last_successful_sync");
        Instant at;
        try {
            at = value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw FinchError.invalidRequest("last_successful_sync must be an ISO-8601 instant or null");
        }
        state.synced(connection, at);
        FinchApi.respond(ctx, 200, new JsonObject().put("connection_id", connection.id()).put("last_successful_sync", value));
    }

    void sendEvent(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        Connection connection = state.requireConnection(RequestFields.requiredString(body, "connection_id", 255));
        String eventType = RequestFields.requiredString(body, "event_type", 255);
        Object data = body.getValue("data");
        if (data != null && !(data instanceof JsonObject)) {
            throw FinchError.invalidRequest("data must be an object");
        }
        String entityId = RequestFields.optionalString(body, "entity_id");
        if (entityId != null && connection.entity(entityId).isEmpty()) {
            throw FinchError.notFound("Entity " + entityId + " not found");
        }
        respond(ctx, events.send(connection, entityId, eventType, data == null ? new JsonObject() : (JsonObject) data,
                mode(body)));
    }

    void setDeliveryMode(RoutingContext ctx) {
        WebhookEvent.Mode previous = events.defaultMode();
        String value = RequestFields.requiredString(FinchApi.jsonBody(ctx), "delivery", 16);
        events.defaultMode(WebhookEvent.Mode.parse(value, previous));
        FinchApi.respond(ctx, 200, new JsonObject().put("previous", previous.label()).put("delivery", events.defaultMode().label()));
    }

    void waitingEvents(RoutingContext ctx) {
        JsonArray list = new JsonArray();
        state.waitingEvents().forEach(event -> list.add(event.toJson()));
        FinchApi.respond(ctx, 200, new JsonObject().put("events", list));
    }

    /** Delivers waiting events strictly one after another, so the receiver sees them in the order asked for. */
    void deliverWaiting(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        List<WebhookEvent> chosen = new ArrayList<>();
        Object ids = body.getValue("event_ids");
        if (ids != null) {
            if (!(ids instanceof JsonArray array)) {
                throw FinchError.invalidRequest("event_ids must be an array");
            }
            for (Object id : array) {
                chosen.add(waiting(String.valueOf(id)));
            }
        } else {
            chosen.addAll(state.waitingEvents());
            String order = RequestFields.optionalEnum(body, "order", Set.of("oldest_first", "newest_first"));
            if ("newest_first".equals(order)) {
                java.util.Collections.reverse(chosen);
            }
        }
        JsonArray deliveries = new JsonArray();
        Future<Void> chain = Future.succeededFuture();
        for (WebhookEvent event : chosen) {
            chain = chain.compose(ignored -> webhooks.deliver(event)).map(delivery -> {
                deliveries.add(delivery.toJson());
                return null;
            });
        }
        chain.onSuccess(ignored -> FinchApi.respond(ctx, 200, new JsonObject().put("deliveries", deliveries)))
                .onFailure(ctx::fail);
    }

    void deliver(RoutingContext ctx) {
        respond(ctx, webhooks.deliver(waiting(ctx.pathParam("event_id"))));
    }

    void redeliver(RoutingContext ctx) {
        respond(ctx, webhooks.deliver(event(ctx.pathParam("event_id"))));
    }

    void showEvent(RoutingContext ctx) {
        FinchApi.respond(ctx, 200, event(ctx.pathParam("event_id")).toJson());
    }

    void setFault(RoutingContext ctx) {
        JsonObject body = FinchApi.jsonBody(ctx);
        RequestScope scope = RequestScope.ofBody(body);
        FaultInjector.Fault fault;
        try {
            fault = FaultInjector.Fault.parse(body);
        } catch (ClassCastException e) {
            throw FinchError.invalidRequest("latency_ms, status, retry_after_seconds and times are numbers, reset and "
                    + "should_retry booleans, retry_after and retry_after_ms strings");
        }
        faults.set(scope, ctx.pathParam("endpoint"), fault);
        FinchApi.respond(ctx, 200, faults.snapshot(scope));
    }

    void heldAnswers(RoutingContext ctx) {
        FinchApi.respond(ctx, 200, new JsonObject().put("held", faults.heldAnswers()));
    }

    void releaseHeldAnswers(RoutingContext ctx) {
        FinchApi.respond(ctx, 200, new JsonObject().put("released", faults.releaseHeldAnswers()));
    }

    void clearFaults(RoutingContext ctx) {
        RequestScope scope = RequestScope.ofQuery(ctx);
        if (scope.isEveryRequest()) {
            faults.releaseHeldAnswers();
        }
        faults.clear(scope);
        ctx.response().setStatusCode(204).end();
    }

    void requestCounts(RoutingContext ctx) {
        FinchApi.respond(ctx, 200, requests.snapshot(RequestScope.ofQuery(ctx)));
    }

    void peakRequestsInFlight(RoutingContext ctx) {
        FinchApi.respond(ctx, 200, requests.peaks());
    }

    void resetRequestCounts(RoutingContext ctx) {
        requests.reset(RequestScope.ofQuery(ctx));
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
            throw FinchError.notFound("Customer " + customerId + " not found");
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
                    .put("recordkeeping", session.recordkeeping())
                    .put("expires_at", session.expiresAt().toString())
                    .put("completed", session.completed()));
        }
        json.put("connection", connection == null ? null : connectionJson(connection));
        FinchApi.respond(ctx, 200, json);
    }

    private JsonObject connectionJson(Connection connection) {
        JsonArray entities = new JsonArray();
        connection.entities().forEach(entity -> entities.add(new JsonObject().put("id", entity.id())
                .put("name", entity.name()).put("status", entity.status())));
        return new JsonObject()
                .put("connection_id", connection.id())
                .put("company_id", connection.companyId())
                .put("account_id", connection.accountId())
                .put("entity_id", connection.entityIds().get(0))
                .put("entities", entities)
                .put("customer_id", connection.customerId())
                .put("customer_name", connection.customerName())
                .put("products", new JsonArray(connection.products()))
                .put("provider_id", connection.providerId())
                .put("sandbox", connection.sandbox())
                .put("authentication_method", connection.authenticationMethod())
                .put("status", connection.status())
                .put("message", connection.message())
                .put("active_access_tokens", state.activeTokenCount(connection.id()))
                .put("reauth_sessions_created", state.reauthSessionCount(connection.id()));
    }

    private static String status(JsonObject body, Set<String> allowed) {
        String status = RequestFields.requiredString(body, "status", 64);
        if (!allowed.contains(status)) {
            throw FinchError.invalidRequest("status must be one of " + allowed);
        }
        return status;
    }

    private WebhookEvent.Mode mode(JsonObject body) {
        return WebhookEvent.Mode.parse(RequestFields.optionalString(body, "delivery"), events.defaultMode());
    }

    private WebhookEvent event(String eventId) {
        return state.event(eventId).orElseThrow(() -> FinchError.notFound("Event " + eventId + " not found"));
    }

    private WebhookEvent waiting(String eventId) {
        WebhookEvent event = event(eventId);
        if (!event.isWaiting()) {
            throw FinchError.invalidRequestWithStatus(409, "Event " + eventId + " is not waiting for a delivery");
        }
        return event;
    }

    private static void respond(RoutingContext ctx, Future<WebhookSender.Delivery> delivery) {
        delivery.onSuccess(result -> FinchApi.respond(ctx, 200, result.toJson())).onFailure(ctx::fail);
    }
}
