package io.finchconnect.simulator;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;

/**
 * Delivers signed webhook events to the configured URL as Finch does: every attempt is timestamped and signed
 * anew (a retry carries a newer {@code Finch-Timestamp} than the attempt before it), and an event is delivered,
 * held, failed once or dropped as its {@link WebhookEvent.Mode} says.
 */
final class WebhookSender {

    /** The outcome of one delivery attempt; {@code status} null when nothing answered or no URL is set. */
    record Delivery(String eventId, Integer status, String error, Long timestamp) {

        JsonObject toJson() {
            JsonObject json = new JsonObject().put("event_id", eventId).put("delivery_status", status);
            if (error != null) {
                json.put("delivery_error", error);
            }
            if (timestamp != null) {
                json.put("finch_timestamp", timestamp);
            }
            return json;
        }
    }

    private static final int TIMEOUT_MS = 10_000;

    private final WebClient client;
    private final String secretBase64;
    private final Clock clock;
    private volatile String webhookUrl;

    WebhookSender(Vertx vertx, String secretBase64, String webhookUrl, Clock clock) {
        this.client = WebClient.create(vertx);
        this.secretBase64 = secretBase64;
        this.webhookUrl = webhookUrl;
        this.clock = clock;
    }

    void setWebhookUrl(String url) {
        webhookUrl = url;
    }

    /** What happens to a new event: delivered now, or held, failed once, or dropped as its mode says. */
    Future<Delivery> dispatch(WebhookEvent event) {
        return switch (event.mode()) {
            case NOW -> deliver(event);
            case HOLD -> Future.succeededFuture(new Delivery(event.id(), null, "held", null));
            case DROP -> Future.succeededFuture(new Delivery(event.id(), null, "dropped", null));
            case FAIL_FIRST -> {
                long timestamp = event.nextTimestamp(clock.instant().getEpochSecond());
                event.recordAttempt(new WebhookEvent.Attempt(timestamp, null, "injected failure: not delivered"));
                yield Future.succeededFuture(new Delivery(event.id(), null, "injected failure: not delivered", timestamp));
            }
        };
    }

    /** One delivery attempt now, signed for this attempt. A dropped event is never delivered. */
    Future<Delivery> deliver(WebhookEvent event) {
        if (event.mode() == WebhookEvent.Mode.DROP) {
            return Future.failedFuture(FinchError.invalidRequestWithStatus(409, "Event " + event.id() + " was dropped: it is lost"));
        }
        String url = webhookUrl;
        if (url == null) {
            return Future.succeededFuture(new Delivery(event.id(), null, null, null));
        }
        long timestamp = event.nextTimestamp(clock.instant().getEpochSecond());
        return client.postAbs(url)
                .timeout(TIMEOUT_MS)
                .putHeader("Content-Type", "application/json")
                .putHeader("Finch-Event-Id", event.id())
                .putHeader("Finch-Timestamp", String.valueOf(timestamp))
                .putHeader("Finch-Signature", FinchWebhookSigner.sign(secretBase64, event.id(), timestamp, event.body()))
                .sendBuffer(Buffer.buffer(event.body()))
                .map(response -> new Delivery(event.id(), response.statusCode(), null, timestamp))
                .otherwise(failure -> new Delivery(event.id(), null, String.valueOf(failure.getMessage()), timestamp))
                .onSuccess(delivery -> event.recordAttempt(new WebhookEvent.Attempt(timestamp, delivery.status(), delivery.error())));
    }

    void close() {
        client.close();
    }
}
