package io.finchconnect.bench;

import java.util.ArrayList;
import java.util.Comparator;
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
 * What the service owes for the burst, from its own answers: each original webhook has exactly one answer that
 * is not {@code duplicate}; each one answered {@code applied} whose transition publishes (to reauth, to
 * disconnected, reauth to connected) owes exactly one event. The transition is known because applied webhooks of
 * a connection follow its Finch timestamps. Then the events read from Kafka are held against that.
 */
final class BurstAccounting {

    static final String REAUTH_NEEDED = "finch.connection.reauth_needed";
    static final String REAUTHENTICATED = "finch.connection.reauthenticated";
    static final String DISCONNECTED = "finch.connection.disconnected";
    private static final Set<String> KNOWN = Set.of("pending", "processing", "connected", "reauth", "disconnected",
            "error_no_account_setup", "error_permissions");

    /** An event the service owes, named by {@link Recorded#transition()}; {@code sentAtMillis} of its first delivery. */
    record Owed(String transition, Webhook webhook, long sentAtMillis) {
    }

    record EventCheck(int missing, int extraForOneWebhook, int unexpected, int followUps, int extraFollowUps,
                      int redeliveries, List<Long> latenciesMillis, long lastAppendedAtMillis, double meanValueBytes) {
        boolean clean() {
            return missing == 0 && extraForOneWebhook == 0 && unexpected == 0 && extraFollowUps == 0;
        }
    }

    final Map<String, Integer> outcomes = new TreeMap<>();
    final Map<String, Owed> owed = new HashMap<>();
    int failedDeliveries;
    int duplicateAnswers;
    int originalsAnsweredTwice;
    int originalsUnanswered;
    /** Answers that differ from Finch's ordering rule replayed in send order (stale, unchanged, applied, ignored). */
    int answersAgainstTheRule;

    static BurstAccounting of(List<Webhook> originals, List<Delivery> deliveries) {
        BurstAccounting accounting = new BurstAccounting();
        Map<Integer, List<Delivery>> byOriginal = new HashMap<>();
        for (Delivery delivery : deliveries) {
            byOriginal.computeIfAbsent(delivery.webhook().original(), k -> new ArrayList<>()).add(delivery);
        }
        Map<String, List<Webhook>> appliedByConnection = new HashMap<>();
        Map<String, String[]> replayed = new HashMap<>();
        Map<Integer, String> answers = new HashMap<>();
        for (Webhook webhook : originals) {
            String answer = accounting.answerOf(byOriginal.getOrDefault(webhook.original(), List.of()));
            if (answer == null) {
                continue;
            }
            answers.put(webhook.original(), answer);
            accounting.outcomes.merge(answer, 1, Integer::sum);
            if (answer.equals("applied")) {
                appliedByConnection.computeIfAbsent(webhook.connectionId(), k -> new ArrayList<>()).add(webhook);
            }
            String[] state = replayed.computeIfAbsent(webhook.connectionId(), k -> new String[] { "connected", "0" });
            String expected = replay(state, webhook);
            if (!expected.equals(answer)) {
                accounting.answersAgainstTheRule++;
            }
        }
        for (List<Webhook> applied : appliedByConnection.values()) {
            applied.sort(Comparator.comparingLong(Webhook::timestamp));
            String status = "connected";
            for (Webhook webhook : applied) {
                String type = eventFor(status, webhook.status());
                if (type != null) {
                    String transition = type + "|" + webhook.connectionId() + "|" + webhook.timestamp();
                    long sentAt = byOriginal.get(webhook.original()).stream().mapToLong(Delivery::sentAtMillis).min().orElseThrow();
                    accounting.owed.put(transition, new Owed(transition, webhook, sentAt));
                }
                status = webhook.status();
            }
        }
        return accounting;
    }

    /** The one answer that is not "duplicate" among an original's accepted deliveries. */
    private String answerOf(List<Delivery> deliveries) {
        String answer = null;
        for (Delivery delivery : deliveries) {
            if (!delivery.accepted()) {
                failedDeliveries++;
            } else if (delivery.outcome().equals("duplicate")) {
                duplicateAnswers++;
            } else if (answer == null) {
                answer = delivery.outcome();
            } else {
                originalsAnsweredTwice++;
            }
        }
        if (answer == null) {
            originalsUnanswered++;
        }
        return answer;
    }

    /** Finch's ordering as DESIGN.md states it, replayed: state is {status, Finch time of that status}. */
    private static String replay(String[] state, Webhook webhook) {
        if (!KNOWN.contains(webhook.status())) {
            return "ignored";
        }
        if (webhook.timestamp() < Long.parseLong(state[1])) {
            return "stale";
        }
        if (webhook.status().equals(state[0])) {
            return "unchanged";
        }
        state[0] = webhook.status();
        state[1] = String.valueOf(webhook.timestamp());
        return "applied";
    }

    private static String eventFor(String from, String to) {
        return switch (to) {
            case "reauth" -> REAUTH_NEEDED;
            case "disconnected" -> DISCONNECTED;
            case "connected" -> from.equals("reauth") ? REAUTHENTICATED : null;
            default -> null;
        };
    }

    /** Holds the events read against what is owed; latency from each webhook's first send to its event's append. */
    EventCheck check(List<Recorded> events) {
        Map<String, Set<String>> ceIdsByTransition = new HashMap<>();
        Map<String, Long> firstAppended = new HashMap<>();
        Map<String, Set<String>> followUpsBySource = new HashMap<>();
        Set<String> ceIds = new HashSet<>();
        long bytes = 0;
        for (Recorded event : events) {
            ceIds.add(event.ceId());
            bytes += event.valueBytes();
            if (event.followUp()) {
                followUpsBySource.computeIfAbsent(event.sourceEventId(), k -> new HashSet<>()).add(event.ceId());
                continue;
            }
            ceIdsByTransition.computeIfAbsent(event.transition(), k -> new HashSet<>()).add(event.ceId());
            firstAppended.merge(event.transition(), event.appendedAtMillis(), Math::min);
        }
        int missing = 0;
        int extra = 0;
        long last = 0;
        List<Long> latencies = new ArrayList<>();
        for (Owed one : owed.values()) {
            Set<String> seen = ceIdsByTransition.get(one.transition());
            if (seen == null) {
                missing++;
                continue;
            }
            extra += seen.size() - 1;
            long appended = firstAppended.get(one.transition());
            last = Math.max(last, appended);
            latencies.add(appended - one.sentAtMillis());
        }
        int unexpected = (int) ceIdsByTransition.keySet().stream().filter(t -> !owed.containsKey(t)).count();
        Set<String> reauthSources = new HashSet<>();
        owed.values().stream().filter(one -> one.transition().startsWith(REAUTH_NEEDED))
                .forEach(one -> reauthSources.add(one.webhook().eventId()));
        // A follow-up belongs to one reauth transition the service owed: one at most, and never for another.
        int extraFollowUps = followUpsBySource.values().stream().mapToInt(ids -> ids.size() - 1).sum()
                + (int) followUpsBySource.keySet().stream().filter(source -> !reauthSources.contains(source)).count();
        latencies.sort(Long::compare);
        return new EventCheck(missing, extra, unexpected, followUpsBySource.size(), extraFollowUps,
                events.size() - ceIds.size(), latencies, last, events.isEmpty() ? 0 : (double) bytes / events.size());
    }
}
