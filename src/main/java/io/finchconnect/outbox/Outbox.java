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

    /*
     * One statement: the per-key advisory lock serialises writers of one key until they commit, so for one
     * key id order is commit order and the relay can publish by id. pg_notify wakes the relay at commit; its
     * payload is the row's partition (the same hash as the table's generated column), so only the relay that
     * owns it queries, and identical notifications of one transaction are folded into one. JSON goes in as text:
     * bound straight to a jsonb parameter, the client would store a Java String as a JSON string.
     */
    public static final String INSERT_SQL = """
            INSERT INTO outbox (event_id, message_key, event_type, payload, headers)
            SELECT CAST($1 AS uuid), $2, $3, CAST(CAST($4 AS text) AS jsonb), CAST(CAST($5 AS text) AS jsonb)
            FROM (SELECT pg_advisory_xact_lock(hashtextextended($2, 0)),
                  pg_notify('%s', (hashtextextended($2, 0) & 63)::text)) AS serialised_per_key
            """.formatted(CHANNEL);
    /** The same statement with Hibernate's ordinal parameters. */
    private static final String INSERT = INSERT_SQL.replace("$", "?");

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
                .chain(session -> session.createNativeQuery(INSERT)
                        .setParameter(1, eventId.toString())
                        .setParameter(2, key)
                        .setParameter(3, type)
                        .setParameter(4, toJson(data))
                        .setParameter(5, toJson(withTrace))
                        .executeUpdate())
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
