package io.finchconnect.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Sends the burst's webhooks to {@code POST /v1/webhooks/finch} with a fixed number in flight over kept-alive
 * connections: each reply sends the next. Records, per delivery, when it was sent and what the service answered.
 */
final class WebhookBurst {

    /** One delivery: its webhook, wall-clock send time, and the HTTP status and outcome (or the failure). */
    record Delivery(BurstPlan.Webhook webhook, long sentAtMillis, int status, String outcome) {
        boolean accepted() {
            return status == 200;
        }
    }

    record Result(List<Delivery> deliveries, long firstSentAtMillis, long elapsedNanos) {
        long accepted() {
            return deliveries.stream().filter(Delivery::accepted).count();
        }

        double acceptedPerSecond() {
            return accepted() / (elapsedNanos / 1e9);
        }
    }

    private final Vertx vertx;
    private final int port;
    private final int inFlight;

    WebhookBurst(Vertx vertx, int port, int inFlight) {
        this.vertx = vertx;
        this.port = port;
        this.inFlight = inFlight;
    }

    Result send(BurstPlan plan) throws InterruptedException {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setDefaultHost("localhost").setDefaultPort(port).setConnectTimeout(5_000).setIdleTimeout(0),
                new PoolOptions().setHttp1MaxSize(inFlight).setMaxWaitQueueSize(-1));
        ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(inFlight);
        long firstSentAt = System.currentTimeMillis();
        long start = System.nanoTime();
        for (int i = 0; i < inFlight; i++) {
            sendNext(client, plan, deliveries, done);
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the burst did not finish within 10 minutes");
        }
        long elapsed = System.nanoTime() - start;
        client.close();
        return new Result(new ArrayList<>(deliveries), firstSentAt, elapsed);
    }

    private void sendNext(HttpClient client, BurstPlan plan, ConcurrentLinkedQueue<Delivery> deliveries, CountDownLatch done) {
        BurstPlan.Webhook webhook = plan.next();
        if (webhook == null) {
            done.countDown();
            return;
        }
        long sentAt = System.currentTimeMillis();
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/webhooks/finch")
                .setTimeout(60_000)
                .putHeader("Content-Type", "application/json")
                .putHeader("Finch-Event-Id", webhook.eventId())
                .putHeader("Finch-Timestamp", String.valueOf(webhook.timestamp()))
                .putHeader("Finch-Signature", webhook.signature());
        client.request(request)
                .compose(req -> req.send(Buffer.buffer(webhook.body())))
                .compose(response -> response.body().map(body -> new Delivery(webhook, sentAt, response.statusCode(),
                        response.statusCode() == 200 ? new JsonObject(body).getString("outcome") : body.toString())))
                .otherwise(failure -> new Delivery(webhook, sentAt, 0, failure.toString()))
                .onComplete(delivered -> {
                    deliveries.add(delivered.result());
                    sendNext(client, plan, deliveries, done);
                });
    }
}
