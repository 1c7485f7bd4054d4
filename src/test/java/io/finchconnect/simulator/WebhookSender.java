package io.finchconnect.simulator;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;

/** Delivers signed webhook events to the configured URL, freshly timestamped and signed on every attempt. */
final class WebhookSender {

    /** The outcome of one delivery attempt; {@code status} null when nothing answered or no URL is set. */
    record Delivery(String eventId, Integer status, String error) {

        JsonObject toJson() {
            JsonObject json = new JsonObject().put("event_id", eventId).put("delivery_status", status);
            if (error != null) {
                json.put("delivery_error", error);
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

    Future<Delivery> deliver(WebhookEvent event) {
        String url = webhookUrl;
        if (url == null) {
            return Future.succeededFuture(new Delivery(event.id(), null, null));
        }
        long timestamp = clock.instant().getEpochSecond();
        return client.postAbs(url)
                .timeout(TIMEOUT_MS)
                .putHeader("Content-Type", "application/json")
                .putHeader("Finch-Event-Id", event.id())
                .putHeader("Finch-Timestamp", String.valueOf(timestamp))
                .putHeader("Finch-Signature", FinchWebhookSigner.sign(secretBase64, event.id(), timestamp, event.body()))
                .sendBuffer(Buffer.buffer(event.body()))
                .map(response -> new Delivery(event.id(), response.statusCode(), null))
                .otherwise(failure -> new Delivery(event.id(), null, String.valueOf(failure.getMessage())));
    }

    void close() {
        client.close();
    }
}
