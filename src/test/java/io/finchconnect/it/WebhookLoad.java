package io.finchconnect.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;

import io.finchconnect.simulator.FinchWebhookSigner;
import io.finchconnect.testing.TestStack;

/**
 * Status changes made at Finch (the simulator's control API) with their signed account.updated webhooks sent as
 * hints, by a few client threads until stopped: the load of the fault tests. Change {@code k} of a connection
 * sets it to {@code reauth} at Finch when {@code k} is even and back to {@code connected} when odd; the webhook
 * only says "look again", since the service applies what Finch's introspection gives. As Finch does, a hint not
 * answered 2xx is sent again (same event id, signed anew) before the connection changes again, so every change
 * is followed by an accepted hint or is {@link #outstanding} for {@link #deliverOutstanding}. Every request is
 * recorded with what it got.
 */
final class WebhookLoad implements AutoCloseable {

    static final String REAUTH = "reauth";
    static final String CONNECTED = "connected";

    /** One change at Finch and its webhook: the connection, the event id and the status Finch then had. */
    record Change(String connectionId, String eventId, String status) {
    }

    /** What one request got; {@code status} 0 when no answer came (refused, reset, timed out). */
    record Reply(Change change, long sentAtNanos, long millis, int status, String contentType, String body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** Stored in the inbox by this request (a redelivery of a stored event is answered duplicate). */
        boolean accepted() {
            return status == 200 && body.contains("\"accepted\"");
        }

        boolean sentBetween(long fromNanos, long toNanos) {
            return sentAtNanos >= fromNanos && sentAtNanos <= toNanos;
        }

        @Override
        public String toString() {
            return "%s %s %s -> %d after %d ms %s".formatted(change.connectionId, change.eventId, change.status, status, millis,
                    body);
        }
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Change> changes = new ConcurrentLinkedQueue<>();
    private final Map<String, Change> outstanding = new ConcurrentHashMap<>();
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
        int[] made = new int[connections.size()];
        boolean pending = true;
        while (running.get() && pending) {
            pending = false;
            for (int i = 0; i < connections.size() && running.get(); i++) {
                String connectionId = connections.get(i);
                Change unanswered = outstanding.get(connectionId);
                if (unanswered == null && made[i] >= changesPerConnection) {
                    continue;
                }
                pending = true;
                Change change = unanswered;
                if (change == null) {
                    String status = made[i] % 2 == 0 ? REAUTH : CONNECTED;
                    String eventId = setAtFinch(connectionId, status);
                    if (eventId == null) {
                        pause(50);
                        continue;
                    }
                    change = new Change(connectionId, eventId, status);
                    changes.add(change);
                    outstanding.put(connectionId, change);
                    made[i]++;
                }
                Reply reply = send(url, change);
                replies.add(reply);
                if (reply.ok()) {
                    outstanding.remove(connectionId, change);
                } else {
                    pause(50); // as Finch backs off, and so an outage is not a busy loop on 2 cores
                }
            }
        }
    }

    /** Changes the status at the simulator without its own delivery; returns the event id, null if it failed. */
    private String setAtFinch(String connectionId, String status) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(TestStack.get().finchBaseUrl() + "/_control/connections/"
                        + connectionId + "/status")).timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"status\":\"%s\",\"delivery\":\"drop\"}".formatted(status))).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            Matcher eventId = EVENT_ID.matcher(response.body());
            if (response.statusCode() != 200 || !eventId.find()) {
                throw new AssertionError("the simulator refused a status change: " + response.statusCode() + " " + response.body());
            }
            return eventId.group(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static final Pattern EVENT_ID = Pattern.compile("\"event_id\"\\s*:\\s*\"([^\"]+)\"");

    private Reply send(String target, Change change) {
        String body = """
                {"connection_id":"%s","company_id":null,"account_id":null,"entity_id":null,"event_type":"account.updated","data":{"status":"%s"}}"""
                .formatted(change.connectionId(), change.status());
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(target)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Finch-Event-Id", change.eventId())
                .header("Finch-Timestamp", String.valueOf(timestamp))
                .header("Finch-Signature", FinchWebhookSigner.sign(webhookSecret, change.eventId(), timestamp, body))
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

    /** The changes made at Finch whose webhook was never answered 2xx (at most one per connection). */
    List<Change> outstanding() {
        return List.copyOf(outstanding.values());
    }

    /** Every change made at Finch, in the order each client made them. */
    List<Change> changes() {
        return List.copyOf(changes);
    }

    /**
     * After {@link #stop}: sends each outstanding webhook to {@code serviceUrl} until it is answered 2xx, as Finch
     * retries a delivery; the replies are recorded with the others.
     */
    void deliverOutstanding(String serviceUrl, Duration timeout) {
        Awaitility.await("outstanding webhooks delivered").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (Change change : outstanding()) {
                Reply reply = send(serviceUrl + "/v1/webhooks/finch", change);
                replies.add(reply);
                if (reply.ok()) {
                    outstanding.remove(change.connectionId(), change);
                }
            }
            return outstanding.isEmpty();
        });
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
