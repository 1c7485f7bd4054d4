package io.finchconnect.webhook;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.common.validation.RequestChecks;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Stores incoming Finch events in the inbox, whichever way they came (webhook, Kafka, a service's report, the
 * reconciler): one INSERT per call, de-duplicated on the event id by the primary key, nothing else. A status
 * hint is stored pending for {@link InboxProcessor}; an event without one, or a body that is not a Finch
 * event, is stored as already handled ({@code ignored}, {@code rejected}), so its id still de-duplicates.
 */
@ApplicationScoped
public class InboxIntake {

    private static final Logger LOG = Logger.getLogger(InboxIntake.class);

    public enum Channel { HTTP, KAFKA, REPORT, RECONCILE }

    /** One row of the inbox as stored. */
    public record Entry(String eventId, Channel channel, String eventType, String connectionId, String entityId,
                        OffsetDateTime occurredAt, boolean pending, IncomingOutcome outcome, String detail,
                        String reportedStatus, String jobId, String jobUrl) {
    }

    private final ObjectMapper json;
    private final Pool pool;
    private final InboxProcessor processor;

    InboxIntake(ObjectMapper json, Pool pool, InboxProcessor processor) {
        this.json = json;
        this.pool = pool;
        this.processor = processor;
    }

    /** Reads a body as Finch sends it; never fails: what is not a Finch event becomes a rejected entry. */
    public Entry entryOf(String eventId, Channel channel, OffsetDateTime occurredAt, byte[] body) {
        FinchEvent event;
        try {
            event = json.readValue(body, FinchEvent.class);
        } catch (JsonProcessingException e) {
            return rejected(eventId, channel, occurredAt, "body is not a Finch event: " + e.getOriginalMessage());
        } catch (IOException e) {
            return rejected(eventId, channel, occurredAt, "body is not readable JSON");
        }
        if (event == null) {
            return rejected(eventId, channel, occurredAt, "body is not a Finch event: null");
        }
        if (hasNul(event.connectionId()) || hasNul(event.eventType()) || hasNul(event.entityId())) {
            return rejected(eventId, channel, occurredAt, "body is not a Finch event: NUL in an id or type");
        }
        return entryOf(eventId, channel, occurredAt, event);
    }

    public Entry entryOf(String eventId, Channel channel, OffsetDateTime occurredAt, FinchEvent event) {
        // A status hint makes the service ask Finch; a finished data sync is announced as Finch sent it.
        boolean pending = event.isStatusHint() || event.isDataSync();
        return new Entry(eventId, channel, truncate(event.eventType(), 128), truncate(event.connectionId(), 255),
                truncate(event.entityId(), 255), occurredAt, pending,
                pending ? IncomingOutcome.ACCEPTED : IncomingOutcome.IGNORED, null, truncate(event.reportedStatus(), 32),
                event.isDataSync() ? truncate(event.jobId(), 255) : null,
                event.isDataSync() ? truncate(event.jobUrl(), 2048) : null);
    }

    /** Stores one event: {@code accepted} (or {@code rejected} for a body that is no Finch event) or {@code duplicate}. */
    public Uni<IncomingOutcome> store(Entry entry) {
        return store(List.of(entry)).map(inserted -> inserted.isEmpty() ? IncomingOutcome.DUPLICATE
                : entry.outcome() == IncomingOutcome.REJECTED ? IncomingOutcome.REJECTED : IncomingOutcome.ACCEPTED);
    }

    /** Stores the entries in one statement; returns the ids that were new. */
    public Uni<Set<String>> store(List<Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        boolean wake = entries.stream().anyMatch(Entry::pending);
        return InboxStore.insert(pool, entries, currentTraceparent())
                .invoke(inserted -> {
                    if (wake && !inserted.isEmpty()) {
                        processor.wake();
                    }
                });
    }

    private static String currentTraceparent() {
        Map<String, String> carrier = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
        return carrier.get("traceparent");
    }

    /** An id this service can record: Finch's are short and printable; PostgreSQL text cannot hold NUL. */
    public static boolean isUsableEventId(String eventId) {
        return eventId != null && !eventId.isBlank() && eventId.length() <= RequestChecks.MAX_ID && !hasNul(eventId);
    }

    private static Entry rejected(String eventId, Channel channel, OffsetDateTime occurredAt, String parseError) {
        // Parser messages quote the body, which may hold NUL.
        String detail = parseError.replace('\u0000', '\uFFFD');
        LOG.warnf("Finch event %s via %s rejected: %s", eventId, channel, detail);
        return new Entry(eventId, channel, null, null, null, occurredAt, false, IncomingOutcome.REJECTED, detail, null, null,
                null);
    }

    private static boolean hasNul(String value) {
        return value != null && value.indexOf('\u0000') >= 0;
    }

    private static String truncate(String value, int length) {
        return value == null || value.length() <= length ? value : value.substring(0, length);
    }
}
