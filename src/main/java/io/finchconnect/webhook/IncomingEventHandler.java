package io.finchconnect.webhook;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executor;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.connection.ConnectionStatusService;
import io.finchconnect.connection.FinchStatusCheck;
import io.finchconnect.connection.FinchStatusCheck.Verdict;
import io.finchconnect.connection.StatusTransition;
import io.finchconnect.session.ReauthSessionSweeper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Handles one authentic incoming Finch event, whichever way it came (webhook, Kafka, a service's report):
 * records its id, so a second delivery has no effect, and for a status hint applies the status Finch gives
 * now, in one transaction with the event that status change publishes.
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
    private static final String SEEN = "SELECT 1 FROM incoming_events WHERE event_id = $1";

    private final ObjectMapper json;
    private final ConnectionStatusService statuses;
    private final ReauthSessionSweeper reauthSessions;
    private final FinchStatusCheck statusCheck;
    private final Pool pool;

    IncomingEventHandler(ObjectMapper json, ConnectionStatusService statuses, ReauthSessionSweeper reauthSessions,
                         FinchStatusCheck statusCheck, Pool pool) {
        this.json = json;
        this.statuses = statuses;
        this.reauthSessions = reauthSessions;
        this.statusCheck = statusCheck;
        this.pool = pool;
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
        Uni<IncomingOutcome> outcome = isStatusHint(event)
                ? handleHint(eventId, channel, occurredAt, event)
                : Panache.withTransaction(() -> claim(eventId, channel, occurredAt, event)
                        .chain(claimed -> claimed ? record(eventId, IncomingOutcome.IGNORED, null).replaceWith(IncomingOutcome.IGNORED)
                                : Uni.createFrom().item(IncomingOutcome.DUPLICATE)));
        return outcome.invoke(result -> LOG.debugf("Finch event %s (%s, %s) via %s: %s", eventId, event.eventType(),
                event.connectionId(), channel, result.label()));
    }

    /**
     * A status the event reports is a hint, never the truth: a webhook carries no event time and a retry is signed
     * anew, so Finch is asked what holds now, and that is applied. Finch is asked before the transaction, so no
     * database connection waits for it; a Finch failure fails the delivery, which is then retried.
     */
    private Uni<IncomingOutcome> handleHint(String eventId, Channel channel, OffsetDateTime occurredAt, FinchEvent event) {
        Executor backOnContext = currentContext();
        return seen(eventId).chain(seen -> seen ? Uni.createFrom().item(IncomingOutcome.DUPLICATE)
                : statusCheck.check(event.connectionId())
                        .emitOn(backOnContext)
                        .chain(verdict -> Panache.withTransaction(() -> claim(eventId, channel, occurredAt, event)
                                        .chain(claimed -> claimed ? apply(eventId, event, verdict)
                                                : Uni.createFrom().item(IncomingOutcome.DUPLICATE)))
                                .invoke(outcome -> {
                                    // The session is asked of Finch only after the transition committed; the sweeper retries it.
                                    if (outcome == IncomingOutcome.APPLIED && verdict.status() == ConnectionStatus.REAUTH) {
                                        reauthSessions.sweepSoon();
                                    }
                                })));
    }

    private Uni<IncomingOutcome> apply(String eventId, FinchEvent event, Verdict verdict) {
        return switch (verdict.kind()) {
            case UNKNOWN_CONNECTION -> record(eventId, IncomingOutcome.UNKNOWN_CONNECTION, null)
                    .replaceWith(IncomingOutcome.UNKNOWN_CONNECTION);
            case UNVERIFIED -> record(eventId, IncomingOutcome.UNVERIFIED, verdict.detail())
                    .replaceWith(IncomingOutcome.UNVERIFIED);
            // Microseconds, as PostgreSQL stores it: the follow-up event repeats the time from the database.
            case STATUS -> statuses.apply(event.connectionId(), verdict.status(),
                            OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS), eventId)
                    .map(this::outcomeOf)
                    .call(outcome -> record(eventId, outcome, null));
        };
    }

    /** {@code account.updated} is the only Finch event that carries a status; a service's report is built as one. */
    private static boolean isStatusHint(FinchEvent event) {
        return event.connectionId() != null && "account.updated".equals(event.eventType()) && event.reportedStatus() != null;
    }

    private Uni<Boolean> seen(String eventId) {
        return pool.preparedQuery(SEEN).execute(Tuple.of(eventId)).map(rows -> rows.size() > 0);
    }

    private static Executor currentContext() {
        Context context = Vertx.currentContext();
        return context == null ? Runnable::run : command -> context.runOnContext(ignored -> command.run());
    }

    private IncomingOutcome outcomeOf(StatusTransition transition) {
        if (transition == null) {
            return IncomingOutcome.UNKNOWN_CONNECTION;
        }
        return switch (transition.kind()) {
            case APPLIED -> IncomingOutcome.APPLIED;
            case UNCHANGED -> IncomingOutcome.UNCHANGED;
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
