package io.finchconnect.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

import io.finchconnect.simulator.FinchWebhookSigner;

/**
 * Signed Finch webhooks changing connection statuses, sent by a few client threads until stopped, the load
 * of the fault tests. Change {@code k} of a connection sets it to {@code disconnected} (which publishes an
 * event) when {@code k} is even and back to {@code connected} when odd, each with a later Finch timestamp than
 * the one before, so the order of a connection's changes, and of its events, is known. Every request is
 * recorded with what it got.
 */
final class WebhookLoad implements AutoCloseable {

    static final String DISCONNECTED = "disconnected";
    static final String CONNECTED = "connected";

    /** One webhook: the connection, Finch's event id, the status it reports and its Finch timestamp (seconds). */
    record Change(String connectionId, String eventId, String status, long finchTimestamp) {
    }

    /** What one request got; {@code status} 0 when no answer came (refused, reset, timed out). */
    record Reply(Change change, long sentAtNanos, long millis, int status, String contentType, String body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        boolean applied() {
            return status == 200 && body.contains("\"applied\"");
        }

        boolean sentBetween(long fromNanos, long toNanos) {
            return sentAtNanos >= fromNanos && sentAtNanos <= toNanos;
        }

        @Override
        public String toString() {
            return "%s %s@%d -> %d after %d ms %s".formatted(change.connectionId, change.status, change.finchTimestamp,
                    status, millis, body);
        }
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService clients;
    private final String url;
    private final String webhookSecret;

    private WebhookLoad(String url, String webhookSecret, int clientCount) {
        this.url = url;
        this.webhookSecret = webhookSecret;
        this.clients = Executors.newFixedThreadPool(clientCount);
    }

    /**
     * Starts {@code clientCount} clients, each owning every {@code clientCount}-th connection and cycling through
     * them until each had {@code changesPerConnection} changes or {@link #stop} is called.
     */
    static WebhookLoad start(String serviceUrl, String webhookSecret, List<String> connections, int clientCount,
                             int changesPerConnection) {
        WebhookLoad load = new WebhookLoad(serviceUrl + "/v1/webhooks/finch", webhookSecret, clientCount);
        for (int c = 0; c < clientCount; c++) {
            List<String> owned = new ArrayList<>();
            for (int i = c; i < connections.size(); i += clientCount) {
                owned.add(connections.get(i));
            }
            load.clients.submit(() -> load.drive(owned, changesPerConnection));
        }
        load.clients.shutdown();
        return load;
    }

    private void drive(List<String> connections, int changesPerConnection) {
        int[] changes = new int[connections.size()];
        long[] lastTimestamp = new long[connections.size()];
        boolean pending = true;
        while (running.get() && pending) {
            pending = false;
            boolean sentAny = false;
            for (int i = 0; i < connections.size() && running.get(); i++) {
                if (changes[i] >= changesPerConnection) {
                    continue;
                }
                pending = true;
                long now = Instant.now().getEpochSecond();
                long timestamp = Math.max(lastTimestamp[i] + 1, now - 30);
                // Finch timestamps must stay within five minutes of the service's clock: a connection changed
                // more than once a second waits for the clock rather than running ahead of it.
                if (timestamp > now + 120) {
                    continue;
                }
                String status = changes[i] % 2 == 0 ? DISCONNECTED : CONNECTED;
                Reply reply = send(new Change(connections.get(i), "msg_" + UUID.randomUUID().toString().replace("-", ""),
                        status, timestamp));
                replies.add(reply);
                changes[i]++;
                lastTimestamp[i] = timestamp;
                sentAny = true;
                if (!reply.ok()) {
                    pause(50); // as a client would back off, and so an outage is not a busy loop on 2 cores
                }
            }
            if (pending && !sentAny) {
                pause(200);
            }
        }
    }

    private Reply send(Change change) {
        String body = """
                {"connection_id":"%s","event_type":"account.updated","data":{"status":"%s"}}"""
                .formatted(change.connectionId(), change.status());
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Finch-Event-Id", change.eventId())
                .header("Finch-Timestamp", String.valueOf(change.finchTimestamp()))
                .header("Finch-Signature", FinchWebhookSigner.sign(webhookSecret, change.eventId(), change.finchTimestamp(), body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long sentAt = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(change, sentAt, millisSince(sentAt), response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(change, sentAt, millisSince(sentAt), 0, "", "interrupted");
        } catch (Exception e) {
            return new Reply(change, sentAt, millisSince(sentAt), 0, "", e.toString());
        }
    }

    /** Waits until at least {@code count} replies match. */
    WebhookLoad awaitReplies(Predicate<Reply> matching, int count, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(() -> replies.stream().filter(matching).count() >= count);
        return this;
    }

    long count(Predicate<Reply> matching) {
        return replies.stream().filter(matching).count();
    }

    List<Reply> replies() {
        return List.copyOf(replies);
    }

    /** Stops sending and waits for the requests in flight; returns every reply. */
    List<Reply> stop() throws InterruptedException {
        running.set(false);
        if (!clients.awaitTermination(REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
            throw new AssertionError("load clients did not finish");
        }
        return replies();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        clients.shutdownNow();
        clients.awaitTermination(REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
    }

    private static long millisSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
