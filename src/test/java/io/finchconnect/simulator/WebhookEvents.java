package io.finchconnect.simulator;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Makes the webhook events Finch sends (body as Finch writes it), records them and hands them to the sender.
 * Events the Finch API itself causes ({@code /disconnect}, {@code /disconnect-entity}) use the default delivery
 * mode, which a test can change through the control API.
 */
final class WebhookEvents {

    private final SimulatorState state;
    private final WebhookSender sender;
    private volatile WebhookEvent.Mode defaultMode = WebhookEvent.Mode.NOW;

    WebhookEvents(SimulatorState state, WebhookSender sender) {
        this.state = state;
        this.sender = sender;
    }

    WebhookEvent.Mode defaultMode() {
        return defaultMode;
    }

    void defaultMode(WebhookEvent.Mode mode) {
        defaultMode = mode;
    }

    /** {@code account.updated} for the connection, or for one entity of it when {@code entityId} is given. */
    Future<WebhookSender.Delivery> accountUpdated(Connection connection, String entityId, String status, WebhookEvent.Mode mode) {
        JsonObject data = new JsonObject().put("status", status)
                .put("authentication_method", authenticationMethod(connection));
        return send(connection, entityId, "account.updated", data, mode);
    }

    Future<List<WebhookSender.Delivery>> entitiesDisconnected(Connection connection, List<Connection.Entity> entities) {
        List<Future<WebhookSender.Delivery>> deliveries = entities.stream()
                .map(entity -> accountUpdated(connection, entity.id(), "disconnected", defaultMode))
                .toList();
        return Future.all(deliveries).map(all -> all.<WebhookSender.Delivery>list());
    }

    Future<WebhookSender.Delivery> send(Connection connection, String entityId, String eventType, JsonObject data,
                                        WebhookEvent.Mode mode) {
        WebhookEvent event = state.recordEvent(eventType, body(connection, entityId, eventType, data), mode);
        return sender.dispatch(event);
    }

    /** The SDK's {@code AccountUpdateEvent.Data.AuthenticationMethod}: an object, not the docs page's string. */
    static JsonObject authenticationMethod(Connection connection) {
        return new JsonObject()
                .put("type", connection.authenticationMethod())
                .putNull("supported_fields")
                .putNull("benefits_support");
    }

    /** The webhook body as Finch sends it; {@code entity_id} names the entity the event is about, else null. */
    private static String body(Connection connection, String entityId, String eventType, JsonObject data) {
        return new JsonObject()
                .put("connection_id", connection.id())
                .put("company_id", connection.companyId())
                .put("account_id", connection.accountId())
                .put("entity_id", entityId)
                .put("event_type", eventType)
                .put("data", data)
                .encode();
    }

    static JsonArray ids(List<Connection.Entity> entities) {
        JsonArray ids = new JsonArray();
        entities.forEach(entity -> ids.add(entity.id()));
        return ids;
    }
}
