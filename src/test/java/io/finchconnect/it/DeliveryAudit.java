package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.finchconnect.it.ConnectionLedger.OutboxRow;
import io.finchconnect.it.WebhookLoad.Reply;
import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.TestStack;

/**
 * The checks the fault tests end with, for the inbox model: a webhook is a hint stored in the inbox, and the
 * processor applies what Finch's introspection gives. The inbox against the requests: every webhook answered 2xx
 * is stored, answered {@code accepted} by exactly one request, and eventually processed with Finch's answer. The
 * database against Finch: each connection ends in the status the simulator holds. The database against itself:
 * per connection, the outbox rows in commit order are exactly the transitions between its statuses (no state
 * without its event, no event without its state). Kafka against the database: every outbox row of the keys
 * arrives, nothing else does, a redelivery repeats the same ce_id, and per key the first delivery of each event
 * is in commit order.
 */
final class DeliveryAudit {

    static final String TOPIC = "finch.connection-events";
    static final String REAUTH_NEEDED = "finch.connection.reauth_needed";
    static final String REAUTHENTICATED = "finch.connection.reauthenticated";
    private static final Pattern OUTCOME = Pattern.compile("\"outcome\"\\s*:\\s*\"([a-z_]+)\"");

    private DeliveryAudit() {
    }

    /**
     * Every webhook of {@code replies} against the inbox: each 2xx answered {@code accepted} or {@code duplicate},
     * an event id accepted by at most one request (an answer a kill cut off leaves only duplicates); each such event stored
     * and, within {@code wait}, processed with a status from Finch ({@code applied} or {@code unchanged}: never
     * {@code unverified}, which a token Finch refuses would give).
     */
    static void assertEveryAcceptedHintProcessed(ConnectionLedger ledger, List<Reply> replies, Duration wait) throws SQLException {
        Set<String> answered = new HashSet<>();
        Map<String, Long> acceptedPerEvent = new HashMap<>();
        for (Reply reply : replies) {
            if (reply.ok()) {
                assertThat(outcomeIn(reply.body())).as("answer to a 2xx: %s", reply).isIn("accepted", "duplicate");
                answered.add(reply.change().eventId());
            }
            if (reply.accepted()) {
                acceptedPerEvent.merge(reply.change().eventId(), 1L, Long::sum);
            }
        }
        assertThat(acceptedPerEvent).as("an event is accepted once, its redeliveries are duplicates")
                .allSatisfy((eventId, times) -> assertThat(times).as(eventId).isEqualTo(1L));
        Map<String, ConnectionLedger.InboxRow> stored = ledger.inbox(answered);
        assertThat(stored.keySet()).as("every event answered 2xx is in the inbox").containsExactlyInAnyOrderElementsOf(answered);
        try {
            Awaitility.await("inbox processed").atMost(wait).pollInterval(Duration.ofMillis(500))
                    .until(() -> ledger.inbox(answered).values().stream().noneMatch(ConnectionLedger.InboxRow::pending));
        } catch (ConditionTimeoutException e) {
            long pending = ledger.inbox(answered).values().stream().filter(ConnectionLedger.InboxRow::pending).count();
            throw new AssertionError("%d of %d stored hints still pending after %s".formatted(pending, answered.size(), wait), e);
        }
        assertThat(ledger.inbox(answered).values()).as("processed with a status Finch gave")
                .allSatisfy(row -> assertThat(row.outcome()).as("%s", row).isIn("applied", "unchanged"));
    }

    /** Each of {@code connections} holds in PostgreSQL the status Finch (the simulator) holds. */
    static void assertStatusesAreFinchs(ConnectionLedger ledger, Collection<String> connections) throws SQLException {
        Map<String, String> atFinch = new HashMap<>();
        connections.forEach(connection -> atFinch.put(connection, ConnectionLedger.statusAtFinch(connection)));
        assertThat(ledger.statuses(connections)).as("each connection holds Finch's status").isEqualTo(atFinch);
    }

    /**
     * The outbox rows of the load's {@code connections} (all created {@code connected}) against their statuses:
     * per connection, in commit order, the transitions alternate reauth_needed and reauthenticated starting with
     * reauth_needed, and the status they lead to is the one stored; a reauth_needed follow-up (the one carrying
     * the session) comes at most once per reauth episode, inside it. Returns the number of transitions.
     */
    static long assertNothingHalfWritten(ConnectionLedger ledger, Collection<String> connections) throws SQLException {
        List<OutboxRow> rows = ledger.outbox(connections);
        // A subset: a load of one change per connection (GracefulShutdownIT) never reauthenticates.
        assertThat(rows).extracting(OutboxRow::type).as("only reauth transitions publish")
                .isSubsetOf(REAUTH_NEEDED, REAUTHENTICATED);
        Map<String, List<OutboxRow>> perKey = rows.stream().collect(Collectors.groupingBy(OutboxRow::key));
        Map<String, String> statuses = ledger.statuses(connections);
        long transitions = 0;
        for (String connection : connections) {
            String status = WebhookLoad.CONNECTED;
            boolean followedUp = false;
            for (OutboxRow row : perKey.getOrDefault(connection, List.of())) {
                if (row.followUp()) {
                    assertThat(status).as("follow-up %s of %s inside a reauth episode", row.eventId(), connection)
                            .isEqualTo(WebhookLoad.REAUTH);
                    assertThat(followedUp).as("one follow-up per episode of %s", connection).isFalse();
                    followedUp = true;
                    continue;
                }
                String expected = WebhookLoad.CONNECTED.equals(status) ? REAUTH_NEEDED : REAUTHENTICATED;
                assertThat(row.type()).as("transition %d of %s (from %s)", transitions, connection, status).isEqualTo(expected);
                status = WebhookLoad.CONNECTED.equals(status) ? WebhookLoad.REAUTH : WebhookLoad.CONNECTED;
                followedUp = false;
                transitions++;
            }
            assertThat(statuses.get(connection)).as("%s holds the status its events lead to", connection).isEqualTo(status);
        }
        return transitions;
    }

    /**
     * Waits until every outbox row of {@code keys} is on Kafka, then checks that nothing else arrived for those
     * keys, that repeated deliveries carry the same ce_id with the same data, and that per key the first delivery
     * of each event is in outbox id (commit) order. Returns the deliveries of those keys.
     */
    static List<Event> assertEveryEventDeliveredInOrder(ConnectionLedger ledger, Collection<String> keys, Duration wait)
            throws SQLException {
        Set<String> keySet = Set.copyOf(keys);
        List<OutboxRow> rows = ledger.outbox(keySet);
        Set<String> eventIds = rows.stream().map(OutboxRow::eventId).collect(Collectors.toSet());
        try (EventTopic topic = new EventTopic(TOPIC, TestStack.get().config().get("kafka.bootstrap.servers"))) {
            List<Event> events;
            try {
                events = ofKeys(topic.awaitEvents(wait, seen -> ofKeys(seen, keySet).stream().map(Event::ceId)
                        .collect(Collectors.toSet()).containsAll(eventIds)), keySet);
            } catch (ConditionTimeoutException e) {
                long arrived = ofKeys(topic.drain(Duration.ofSeconds(1)), keySet).stream().map(Event::ceId).distinct().count();
                long marked = ledger.outbox(keySet).stream().filter(OutboxRow::sent).count();
                throw new AssertionError("waited %s for %d events: %d marked sent, %d arrived".formatted(wait, rows.size(),
                        marked, arrived), e);
            }
            assertThat(events).extracting(Event::ceId).as("no event without its outbox row").allMatch(eventIds::contains);
            Map<String, Set<String>> bodiesPerEvent = events.stream().collect(Collectors.groupingBy(Event::ceId,
                    Collectors.mapping(event -> event.key() + " " + event.type() + " " + event.value(), Collectors.toSet())));
            bodiesPerEvent.forEach((ceId, bodies) -> assertThat(bodies).as("every delivery of %s is the same event", ceId).hasSize(1));
            for (String key : keySet) {
                List<String> committed = rows.stream().filter(row -> key.equals(row.key())).map(OutboxRow::eventId).toList();
                // A consumer keeps the first delivery of each ce_id and drops the repeats, so the first deliveries
                // are the order it acts in; a repeat sent after a later event is harmless, an overtaking first is not.
                LinkedHashSet<String> firstDelivery = new LinkedHashSet<>();
                events.stream().filter(event -> key.equals(event.key())).forEach(event -> firstDelivery.add(event.ceId()));
                assertThat(List.copyOf(firstDelivery)).as("first-delivery order of %s", key).containsExactlyElementsOf(committed);
            }
            return events;
        }
    }

    private static List<Event> ofKeys(List<Event> events, Set<String> keys) {
        return events.stream().filter(event -> keys.contains(event.key())).toList();
    }

    private static String outcomeIn(String body) {
        Matcher matcher = OUTCOME.matcher(body);
        return matcher.find() ? matcher.group(1) : body;
    }
}
