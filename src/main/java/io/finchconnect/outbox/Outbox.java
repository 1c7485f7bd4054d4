package io.finchconnect.outbox;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Writes events to the outbox inside the caller's Hibernate Reactive transaction, so the event commits or
 * rolls back with the state change it describes.
 */
@ApplicationScoped
public class Outbox {

    public static final String CHANNEL = "finch_outbox";

    private final ObjectMapper json;

    Outbox(ObjectMapper json) {
        this.json = json;
    }

    /** Writes an event whose Kafka key is {@code key}; returns its CloudEvents id. */
    public Uni<UUID> write(String key, String type, Object data) {
        return write(key, type, data, Map.of());
    }

    /** As {@link #write(String, String, Object)}, with extra Kafka headers; the current trace is added to them. */
    public Uni<UUID> write(String key, String type, Object data, Map<String, String> headers) {
        UUID eventId = UUID.randomUUID();
        Map<String, String> withTrace = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current(), withTrace, Map::put);
        withTrace.putAll(headers);
        return Panache.currentTransaction()
                .onItem().ifNull().failWith(() -> new IllegalStateException(
                        "Outbox.write must run inside the transaction of the state change it describes"))
                .chain(transaction -> Panache.getSession())
                .chain(session -> OutboxStore.insert(session, eventId, key, type, toJson(data), toJson(withTrace)))
                .replaceWith(eventId);
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Outbox event data is not serialisable to JSON: " + e.getOriginalMessage(), e);
        }
    }
}
