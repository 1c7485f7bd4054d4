package io.finchconnect.webhook;

import java.io.IOException;
import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.connection.ConnectionStatusService;
import io.finchconnect.connection.StatusTransition;
import io.finchconnect.session.ReauthSessionSweeper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Handles one authentic incoming Finch event, whichever way it came (webhook, Kafka, a service's report):
 * records its id, so a second delivery has no effect, and applies the status it reports, all in one
 * transaction with the event that status change publishes.
 */
@ApplicationScoped
public class IncomingEventHandler {

    private static final Logger LOG = Logger.getLogger(IncomingEventHandler.class);

    /** The primary key is the de-duplication: a concurrent second delivery waits here, then inserts nothing. */
    private static final String CLAIM = """
            INSERT INTO incoming_events (event_id, channel, event_type, connection_id, occurred_at, outcome)
            VALUES (?1, ?2, ?3, ?4, ?5, 'received') ON CONFLICT (event_id) DO NOTHING
            """;
    private static final String RECORD = "UPDATE incoming_events SET outcome = ?2, detail = ?3 WHERE event_id = ?1";

    private final ObjectMapper json;
    private final ConnectionStatusService statuses;
    private final ReauthSessionSweeper reauthSessions;

    IncomingEventHandler(ObjectMapper json, ConnectionStatusService statuses, ReauthSessionSweeper reauthSessions) {
        this.json = json;
        this.statuses = statuses;
        this.reauthSessions = reauthSessions;
    }

    public enum Channel { HTTP, KAFKA, REPORT }

    public Uni<IncomingOutcome> handle(String eventId, Channel channel, OffsetDateTime occurredAt, byte[] body) {
        FinchEvent event;
        try {
            event = json.readValue(body, FinchEvent.class);
        } catch (JsonProcessingException e) {
            return recordRejected(eventId, channel, occurredAt, "body is not a Finch event: " + e.getOriginalMessage());
        } catch (IOException e) {
            return recordRejected(eventId, channel, occurredAt, "body is not readable JSON");
        }
        if (event == null) {
            return recordRejected(eventId, channel, occurredAt, "body is not a Finch event: null");
        }
        if (hasNul(event.connectionId()) || hasNul(event.eventType())) {
            return recordRejected(eventId, channel, occurredAt, "body is not a Finch event: NUL in an id or type");
        }
        return handle(eventId, channel, occurredAt, event);
    }

    public Uni<IncomingOutcome> handle(String eventId, Channel channel, OffsetDateTime occurredAt, FinchEvent event) {
        return Panache.withTransaction(() -> claim(eventId, channel, occurredAt, event)
                .chain(claimed -> claimed ? route(eventId, occurredAt, event)
                        .call(outcome -> record(eventId, outcome, null))
                        : Uni.createFrom().item(IncomingOutcome.DUPLICATE)))
                .invoke(outcome -> {
                    // The session is asked of Finch only after the transition committed; the sweeper retries it.
                    if (outcome == IncomingOutcome.APPLIED && "reauth".equals(event.reportedStatus())) {
                        reauthSessions.sweepSoon();
                    }
                })
                .invoke(outcome -> LOG.debugf("Finch event %s (%s, %s) via %s: %s", eventId, event.eventType(),
                        event.connectionId(), channel, outcome.label()));
    }

    private Uni<IncomingOutcome> route(String eventId, OffsetDateTime occurredAt, FinchEvent event) {
        String reported = event.reportedStatus();
        if (reported == null || event.connectionId() == null) {
            return Uni.createFrom().item(IncomingOutcome.IGNORED);
        }
        return ConnectionStatus.fromFinch(reported)
                .map(status -> statuses.apply(event.connectionId(), status, occurredAt, eventId).map(this::outcomeOf))
                .orElseGet(() -> Uni.createFrom().item(IncomingOutcome.IGNORED));
    }

    private IncomingOutcome outcomeOf(StatusTransition transition) {
        if (transition == null) {
            return IncomingOutcome.UNKNOWN_CONNECTION;
        }
        return switch (transition.kind()) {
            case APPLIED -> IncomingOutcome.APPLIED;
            case UNCHANGED -> IncomingOutcome.UNCHANGED;
            case STALE -> IncomingOutcome.STALE;
        };
    }

    /** An id this service can record: Finch's are short and printable; PostgreSQL text cannot hold NUL. */
    public static boolean isUsableEventId(String eventId) {
        return eventId != null && !eventId.isBlank() && eventId.length() <= RequestChecks.MAX_ID && !hasNul(eventId);
    }

    private Uni<IncomingOutcome> recordRejected(String eventId, Channel channel, OffsetDateTime occurredAt, String parseError) {
        // Parser messages quote the body, which may hold NUL.
        String detail = parseError.replace('\u0000', '\uFFFD');
        LOG.warnf("Finch event %s via %s rejected: %s", eventId, channel, detail);
        return Panache.withTransaction(() -> claim(eventId, channel, occurredAt, null)
                .chain(claimed -> claimed ? record(eventId, IncomingOutcome.REJECTED, detail).replaceWith(IncomingOutcome.REJECTED)
                        : Uni.createFrom().item(IncomingOutcome.DUPLICATE)));
    }

    private Uni<Boolean> claim(String eventId, Channel channel, OffsetDateTime occurredAt, FinchEvent event) {
        return Panache.getSession().chain(session -> session.createNativeQuery(CLAIM)
                .setParameter(1, eventId)
                .setParameter(2, channel.name().toLowerCase())
                .setParameter(3, event == null ? null : truncate(event.eventType(), 128))
                .setParameter(4, event == null ? null : truncate(event.connectionId(), 255))
                .setParameter(5, occurredAt)
                .executeUpdate())
                .map(inserted -> inserted == 1);
    }

    private Uni<Void> record(String eventId, IncomingOutcome outcome, String detail) {
        return Panache.getSession().chain(session -> session.createNativeQuery(RECORD)
                .setParameter(1, eventId)
                .setParameter(2, outcome.label())
                .setParameter(3, detail)
                .executeUpdate())
                .replaceWithVoid();
    }

    private static boolean hasNul(String value) {
        return value != null && value.indexOf('\u0000') >= 0;
    }

    private static String truncate(String value, int length) {
        return value == null || value.length() <= length ? value : value.substring(0, length);
    }
}
