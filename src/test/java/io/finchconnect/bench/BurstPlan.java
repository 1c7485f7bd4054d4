package io.finchconnect.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import io.finchconnect.simulator.FinchWebhookSigner;

/**
 * The signed {@code account.updated} webhooks of the burst, made as they are sent. Connections take turns, so
 * one connection's deliveries are thousands of sends apart and never in flight together; Finch's timestamp
 * (seconds) rises by two per connection, so a connection and a timestamp name one original webhook. A tenth of
 * the originals carry a timestamp just older than their connection's last one (a late Finch delivery); every
 * tenth send is an exact re-delivery (same id, timestamp, body and signature) of one of the last 10,000 originals,
 * half of them of one sent just before, so that some arrive while the original is still in flight.
 */
final class BurstPlan {

    /** Finch statuses and how often each is sent; "paused" is not a status this service knows (ignored). */
    private static final String[] STATUSES = { "reauth", "connected", "disconnected", "pending", "processing",
            "error_permissions", "error_no_account_setup", "paused" };
    private static final int[] WEIGHTS = { 32, 32, 8, 4, 4, 4, 4, 2 };
    private static final double LATE_SHARE = 0.10;
    private static final int RECENT = 64;
    private static final int EARLIER = 10_000;
    private static final long MAX_AGE_SECONDS = 200;

    record Webhook(int original, String eventId, String connectionId, String status, long timestamp, String body,
                   String signature) {
    }

    private final List<String> connections;
    private final int total;
    private final String secret;
    private final Random random = new Random(20261129);
    private final long[] last;
    private final long[] lateAfter;
    private final List<Webhook> originals = new ArrayList<>();
    private int sent;

    BurstPlan(List<String> connections, int total, String secret) {
        this.connections = List.copyOf(connections);
        this.total = total;
        this.secret = secret;
        this.last = new long[connections.size()];
        this.lateAfter = new long[connections.size()];
    }

    /** The next webhook to send, or {@code null} after the last; {@link Webhook#original()} names the original. */
    synchronized Webhook next() {
        if (sent >= total) {
            return null;
        }
        sent++;
        long now = Instant.now().getEpochSecond();
        if (sent % 10 == 0 && !originals.isEmpty()) {
            int bound = originals.size();
            int window = random.nextBoolean() ? RECENT : EARLIER;
            Webhook again = originals.get(bound - 1 - random.nextInt(Math.min(window, bound)));
            // An exact re-delivery is signed with its original timestamp: it must still be within Finch's window.
            return now - again.timestamp() < MAX_AGE_SECONDS ? again : originals.get(bound - 1);
        }
        int c = originals.size() % connections.size();
        long timestamp;
        if (last[c] != 0 && lateAfter[c] != last[c] && random.nextDouble() < LATE_SHARE) {
            // Between the connection's last two timestamps, which are two seconds apart: older than the last one.
            timestamp = last[c] - 1;
            lateAfter[c] = last[c];
        } else {
            timestamp = Math.max(now, last[c] + 2);
            last[c] = timestamp;
        }
        String eventId = "msg_" + UUID.randomUUID().toString().replace("-", "");
        String connectionId = connections.get(c);
        String status = status();
        String body = """
                {"connection_id":"%s","company_id":null,"account_id":null,"entity_id":null,\
                "event_type":"account.updated","data":{"status":"%s","authentication_method":"credential"}}"""
                .formatted(connectionId, status);
        Webhook webhook = new Webhook(originals.size(), eventId, connectionId, status, timestamp, body,
                FinchWebhookSigner.sign(secret, eventId, timestamp, body));
        originals.add(webhook);
        return webhook;
    }

    synchronized List<Webhook> originals() {
        return List.copyOf(originals);
    }

    private String status() {
        int sum = 0;
        for (int weight : WEIGHTS) {
            sum += weight;
        }
        int roll = random.nextInt(sum);
        for (int i = 0; i < WEIGHTS.length; i++) {
            roll -= WEIGHTS[i];
            if (roll < 0) {
                return STATUSES[i];
            }
        }
        throw new IllegalStateException();
    }
}
