package io.finchconnect.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.finchconnect.bench.BurstPlan.Webhook;
import io.finchconnect.bench.EventRecorder.Recorded;
import io.finchconnect.bench.WebhookBurst.Delivery;

/**
 * The burst counted end to end under the inbox model. Intake: every original webhook is answered
 * {@code accepted} exactly once over all its deliveries, every other delivery of it {@code duplicate}. Processing:
 * a webhook is only a hint, so what the service owes follows from Finch's status, not from the bodies: each
 * connection that received webhooks and whose status at Finch is {@code reauth} owes exactly one
 * {@code reauth_needed}, one at {@code disconnected} exactly one {@code disconnected}, one still
 * {@code connected} nothing. The events read from Kafka are held against that: none missing, none extra, no
 * {@code ce_id} twice.
 */
final class InboxAccounting {

    static final String REAUTH_NEEDED = "finch.connection.reauth_needed";
    static final String DISCONNECTED = "finch.connection.disconnected";

    /** Intake: answers per outcome, over all deliveries. */
    final Map<String, Integer> answers = new TreeMap<>();
    int originals;
    int originalsAcceptedOnce;
    int originalsAcceptedTwice;
    int originalsNeverAccepted;
    int duplicateAnswers;
    int failedDeliveries;
    /** connection id to the event type it owes (absent: owes none), for connections that were sent webhooks. */
    final Map<String, String> owed = new HashMap<>();

    record EventCheck(int owed, int missing, int extraForOneConnection, int unexpected, int followUps, int extraFollowUps,
                      int redeliveries, long firstAppendedAtMillis, long lastAppendedAtMillis, List<Long> appendedAtMillis,
                      double meanValueBytes) {
        boolean clean() {
            return missing == 0 && extraForOneConnection == 0 && unexpected == 0 && extraFollowUps == 0 && redeliveries == 0;
        }
    }

    static InboxAccounting of(List<Webhook> originals, List<Delivery> deliveries, Map<String, String> statusAtFinch) {
        InboxAccounting accounting = new InboxAccounting();
        Map<Integer, Integer> acceptedPerOriginal = new HashMap<>();
        for (Delivery delivery : deliveries) {
            if (!delivery.accepted()) {
                accounting.failedDeliveries++;
                accounting.answers.merge("HTTP " + delivery.status(), 1, Integer::sum);
                continue;
            }
            accounting.answers.merge(delivery.outcome(), 1, Integer::sum);
            if (delivery.outcome().equals("accepted")) {
                acceptedPerOriginal.merge(delivery.webhook().original(), 1, Integer::sum);
            } else if (delivery.outcome().equals("duplicate")) {
                accounting.duplicateAnswers++;
            }
        }
        Set<String> hinted = new HashSet<>();
        for (Webhook webhook : originals) {
            accounting.originals++;
            int accepted = acceptedPerOriginal.getOrDefault(webhook.original(), 0);
            if (accepted == 1) {
                accounting.originalsAcceptedOnce++;
                hinted.add(webhook.connectionId());
            } else if (accepted == 0) {
                accounting.originalsNeverAccepted++;
            } else {
                accounting.originalsAcceptedTwice++;
            }
        }
        for (String connection : hinted) {
            String type = switch (statusAtFinch.getOrDefault(connection, "connected")) {
                case "reauth" -> REAUTH_NEEDED;
                case "disconnected" -> DISCONNECTED;
                default -> null;
            };
            if (type != null) {
                accounting.owed.put(connection, type);
            }
        }
        return accounting;
    }

    /** Holds the events read against what is owed. */
    EventCheck check(List<Recorded> events) {
        Map<String, Map<String, Set<String>>> byConnection = new HashMap<>();
        Map<String, Set<String>> followUps = new HashMap<>();
        Set<String> ceIds = new HashSet<>();
        List<Long> appended = new ArrayList<>();
        long bytes = 0;
        long first = Long.MAX_VALUE;
        long last = 0;
        for (Recorded event : events) {
            ceIds.add(event.ceId());
            bytes += event.valueBytes();
            if (event.followUp()) {
                followUps.computeIfAbsent(event.connectionId(), k -> new HashSet<>()).add(event.ceId());
                continue;
            }
            byConnection.computeIfAbsent(event.connectionId(), k -> new HashMap<>())
                    .computeIfAbsent(event.type(), k -> new HashSet<>()).add(event.ceId());
        }
        Map<String, Long> firstAppended = new HashMap<>();
        for (Recorded event : events) {
            if (!event.followUp()) {
                firstAppended.merge(event.connectionId() + "|" + event.type(), event.appendedAtMillis(), Math::min);
            }
        }
        int missing = 0;
        int extra = 0;
        for (Map.Entry<String, String> one : owed.entrySet()) {
            Set<String> seen = byConnection.getOrDefault(one.getKey(), Map.of()).get(one.getValue());
            if (seen == null) {
                missing++;
                continue;
            }
            extra += seen.size() - 1;
            long at = firstAppended.get(one.getKey() + "|" + one.getValue());
            appended.add(at);
            first = Math.min(first, at);
            last = Math.max(last, at);
        }
        int unexpected = 0;
        for (Map.Entry<String, Map<String, Set<String>>> connection : byConnection.entrySet()) {
            for (Map.Entry<String, Set<String>> type : connection.getValue().entrySet()) {
                if (!type.getKey().equals(owed.get(connection.getKey()))) {
                    unexpected += type.getValue().size();
                }
            }
        }
        // A follow-up (reauth_needed carrying the reauthentication session) only for a connection owed reauth_needed, once.
        int extraFollowUps = 0;
        for (Map.Entry<String, Set<String>> one : followUps.entrySet()) {
            extraFollowUps += REAUTH_NEEDED.equals(owed.get(one.getKey())) ? one.getValue().size() - 1 : one.getValue().size();
        }
        appended.sort(Long::compare);
        return new EventCheck(owed.size(), missing, extra, unexpected, followUps.size(), extraFollowUps,
                events.size() - ceIds.size(), first == Long.MAX_VALUE ? 0 : first, last, appended,
                events.isEmpty() ? 0 : (double) bytes / events.size());
    }
}
