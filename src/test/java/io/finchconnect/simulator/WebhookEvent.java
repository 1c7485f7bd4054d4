package io.finchconnect.simulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A webhook event as Finch keeps it: its id, the exact body bytes (a redelivery sends the same body), how the
 * test asked it to be delivered, and every delivery attempt made so far.
 */
final class WebhookEvent {

    /**
     * How the event is delivered: {@code NOW} at once; {@code HOLD} not until a test delivers it; {@code FAIL_FIRST}
     * its first attempt fails (it never reaches the receiver) and it waits for a retry like a held one;
     * {@code DROP} never (a lost webhook: Finch offers no replay).
     */
    enum Mode {
        NOW, HOLD, FAIL_FIRST, DROP;

        static Mode parse(String value, Mode defaultMode) {
            if (value == null) {
                return defaultMode;
            }
            try {
                return Mode.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw FinchError.invalidRequest("delivery must be one of now, hold, fail_first, drop");
            }
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One delivery attempt: when it was signed, and what answered ({@code status} null when nothing did). */
    record Attempt(long timestamp, Integer status, String error) {
        JsonObject toJson() {
            return new JsonObject().put("finch_timestamp", timestamp).put("status", status).put("error", error);
        }
    }

    private final String id;
    private final String eventType;
    private final String body;
    private final Mode mode;
    private final List<Attempt> attempts = new ArrayList<>();
    private boolean delivered;

    WebhookEvent(String id, String eventType, String body, Mode mode) {
        this.id = id;
        this.eventType = eventType;
        this.body = body;
        this.mode = mode;
    }

    String id() { return id; }
    String eventType() { return eventType; }
    String body() { return body; }
    Mode mode() { return mode; }

    synchronized void recordAttempt(Attempt attempt) {
        attempts.add(attempt);
        if (attempt.status() != null && attempt.status() >= 200 && attempt.status() < 300) {
            delivered = true;
        }
    }

    /** Each attempt is signed anew; never with the timestamp of an earlier attempt of the same event. */
    synchronized long nextTimestamp(long now) {
        long last = attempts.isEmpty() ? Long.MIN_VALUE : attempts.get(attempts.size() - 1).timestamp();
        return Math.max(now, last + 1);
    }

    synchronized int attemptCount() {
        return attempts.size();
    }

    synchronized boolean isWaiting() {
        return !delivered && (mode == Mode.HOLD || mode == Mode.FAIL_FIRST);
    }

    synchronized JsonObject toJson() {
        JsonArray list = new JsonArray();
        attempts.forEach(attempt -> list.add(attempt.toJson()));
        return new JsonObject().put("event_id", id).put("event_type", eventType).put("delivery", mode.label())
                .put("delivered", delivered).put("waiting", isWaiting()).put("attempts", list)
                .put("body", new JsonObject(body));
    }
}
