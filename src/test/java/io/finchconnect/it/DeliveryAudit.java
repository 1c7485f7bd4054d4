package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.awaitility.core.ConditionTimeoutException;

import io.finchconnect.it.ConnectionLedger.OutboxRow;
import io.finchconnect.it.WebhookLoad.Change;
import io.finchconnect.it.WebhookLoad.Reply;
import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.TestStack;

/**
 * The checks the fault tests end with. The database against the requests: every 2xx has its state, every
 * change the database applied has its outbox row and every row its applied change, so nothing is
 * half-written. Kafka against the database: every outbox row of the keys arrives, nothing else does, a
 * redelivery repeats the same ce_id, and per key the last delivery of each event is in commit order.
 */
final class DeliveryAudit {

    static final String TOPIC = "finch.connection-events";
    private static final Pattern OUTCOME = Pattern.compile("\"outcome\"\\s*:\\s*\"([a-z_]+)\"");

    private DeliveryAudit() {
    }

    /**
     * Every webhook of {@code replies} (answered or not) against what PostgreSQL holds: a 2xx has its recorded
     * outcome; the disconnects recorded as applied are exactly the outbox rows of the connections; each
     * connection holds the status of its latest applied change; a connection's rows are in the order of its
     * changes. Returns the applied changes.
     */
    static List<Change> assertNothingHalfWritten(ConnectionLedger ledger, List<Reply> replies) throws SQLException {
        Map<String, Change> changes = replies.stream().map(Reply::change)
                .collect(Collectors.toMap(Change::eventId, Function.identity()));
        Map<String, String> outcomes = ledger.incomingOutcomes(changes.keySet());
        for (Reply reply : replies) {
            if (reply.ok()) {
                assertThat(outcomes.get(reply.change().eventId())).as("stored outcome of a 2xx: %s", reply)
                        .isEqualTo(outcomeIn(reply.body()));
            }
        }
        List<Change> applied = changes.values().stream().filter(change -> "applied".equals(outcomes.get(change.eventId())))
                .sorted(Comparator.comparingLong(Change::finchTimestamp)).toList();

        Set<String> connections = changes.values().stream().map(Change::connectionId).collect(Collectors.toSet());
        List<OutboxRow> rows = ledger.outbox(connections);
        assertThat(rows).extracting(OutboxRow::type).as("only the disconnects publish").containsOnly("finch.connection.disconnected");
        List<String> published = rows.stream().map(row -> row.key() + "@" + row.disconnectedAt()).toList();
        List<String> appliedDisconnects = applied.stream().filter(change -> WebhookLoad.DISCONNECTED.equals(change.status()))
                .map(change -> change.connectionId() + "@" + change.finchTimestamp()).toList();
        assertThat(published).as("outbox rows = applied disconnects (no state without its event, no event without its state)")
                .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(appliedDisconnects);

        Map<String, String> expectedStatus = new HashMap<>();
        connections.forEach(connection -> expectedStatus.put(connection, WebhookLoad.CONNECTED));
        applied.forEach(change -> expectedStatus.put(change.connectionId(), change.status()));
        assertThat(ledger.statuses(connections)).as("each connection holds its latest applied change").isEqualTo(expectedStatus);

        Map<String, List<Long>> timesPerKey = rows.stream().collect(Collectors.groupingBy(OutboxRow::key,
                Collectors.mapping(OutboxRow::disconnectedAt, Collectors.toList())));
        timesPerKey.forEach((key, times) -> assertThat(times).as("commit order of %s follows its changes", key).isSorted());
        return applied;
    }

    /**
     * Waits until every outbox row of {@code keys} is on Kafka, then checks that nothing else arrived for those
     * keys, that repeated deliveries carry the same ce_id with the same data, and that per key the last delivery
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
                LinkedHashSet<String> lastDelivery = new LinkedHashSet<>();
                events.stream().filter(event -> key.equals(event.key())).forEach(event -> {
                    lastDelivery.remove(event.ceId());
                    lastDelivery.add(event.ceId());
                });
                assertThat(List.copyOf(lastDelivery)).as("delivery order of %s", key).containsExactlyElementsOf(committed);
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
