package io.finchconnect.it;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

import io.finchconnect.it.LifecycleWorld.Outcome;

/**
 * What must hold once a {@link LifecycleModelIT} sequence is settled, per connection:
 * <ol>
 * <li>the service's status and its entities' are Finch's (the connection's status the worst of Finch's own and its
 *     attached entities', {@code disconnected} once Finch ended it or removed every entity);</li>
 * <li>its events (first deliveries, in order) are a word of the lifecycle ({@link #wordViolations});</li>
 * <li>every change of Finch's that lasted was announced: a status that needs the employer has its episode open with
 *     its link announced, and the link opens Connect at Finch; {@code connected} has no episode open; a disconnected
 *     connection or entity was announced.</li>
 * </ol>
 */
final class LifecycleInvariants {

    static final String ESTABLISHED = "finch.connection.established";
    static final String REAUTH_NEEDED = "finch.connection.reauth_needed";
    static final String REAUTHENTICATED = "finch.connection.reauthenticated";
    static final String DISCONNECTED = "finch.connection.disconnected";
    /** Least to most severe, as the service ranks them (docs/inbox.md, "Multi-entity connections"). */
    static final List<String> RANK = List.of("connected", "pending", "processing", "error_no_account_setup",
            "error_permissions", "reauth");
    static final Set<String> NEEDS_EMPLOYER = Set.of("reauth", "error_permissions", "error_no_account_setup");

    private LifecycleInvariants() {
    }

    /** The status the service must show for what Finch holds. */
    static String expectedStatus(JsonNode atFinch) {
        String status = atFinch.get("status").asText();
        Map<String, String> attached = attachedAtFinch(atFinch);
        if ("disconnected".equals(status) || attached.isEmpty()) {
            return "disconnected";
        }
        String worst = status;
        for (String entity : attached.values()) {
            if (RANK.indexOf(entity) > RANK.indexOf(worst)) {
                worst = entity;
            }
        }
        return worst;
    }

    /** Finch's attached entities and their statuses, by id. */
    static Map<String, String> attachedAtFinch(JsonNode atFinch) {
        Map<String, String> attached = new TreeMap<>();
        atFinch.get("entities").forEach(entity -> {
            if (!"disconnected".equals(entity.get("status").asText())) {
                attached.put(entity.get("id").asText(), entity.get("status").asText());
            }
        });
        return attached;
    }

    static Set<String> goneAtFinch(JsonNode atFinch) {
        Set<String> gone = new LinkedHashSet<>();
        atFinch.get("entities").forEach(entity -> {
            if ("disconnected".equals(entity.get("status").asText())) {
                gone.add(entity.get("id").asText());
            }
        });
        return gone;
    }

    static Map<String, String> entitiesAtService(JsonNode atService) {
        Map<String, String> entities = new TreeMap<>();
        atService.path("entities").forEach(entity -> entities.put(entity.get("entity_id").asText(), entity.get("status").asText()));
        return entities;
    }

    /** Whether the service has come to Finch's state (invariant 1, and the link an episode needs). */
    static boolean settled(Outcome outcome) {
        return statusViolations(outcome).isEmpty()
                && (!NEEDS_EMPLOYER.contains(expectedStatus(outcome.atFinch())) || outcome.atService().path("reauth_session").isObject());
    }

    /** Invariant 1. */
    static List<String> statusViolations(Outcome outcome) {
        List<String> violations = new ArrayList<>();
        String expected = expectedStatus(outcome.atFinch());
        String actual = outcome.atService().path("status").asText();
        if (!expected.equals(actual)) {
            violations.add("status: Finch says " + expected + " (" + finchSummary(outcome.atFinch()) + "), the service "
                    + actual + " " + entitiesAtService(outcome.atService()));
        } else if (!"disconnected".equals(expected)
                && !attachedAtFinch(outcome.atFinch()).equals(entitiesAtService(outcome.atService()))) {
            violations.add("entities: Finch has " + attachedAtFinch(outcome.atFinch()) + " attached, the service "
                    + entitiesAtService(outcome.atService()));
        }
        return violations;
    }

    static String finchSummary(JsonNode atFinch) {
        Map<String, String> entities = new LinkedHashMap<>();
        atFinch.get("entities").forEach(entity -> entities.put(entity.get("id").asText(), entity.get("status").asText()));
        return "connection " + atFinch.get("status").asText() + ", entities " + entities;
    }

    /** What the events of one connection say, read as a word of the lifecycle. */
    static final class Word {
        final List<String> violations = new ArrayList<>();
        boolean episodeOpen;
        boolean linkAnnounced;
        String announcedSessionId;
        boolean gone;
        final Set<String> entitiesAnnouncedGone = new HashSet<>();
    }

    /** Invariant 2: the connection's events, first deliveries in order, as a word of the lifecycle. */
    static Word word(List<JsonNode> events) {
        Word word = new Word();
        Set<String> entities = null;
        int position = 0;
        for (JsonNode event : events) {
            position++;
            JsonNode data = event.has("data") && event.get("data").isObject() ? event.get("data") : event;
            String type = event.get("ce_type").asText();
            String at = "event " + position + " (" + type + ", " + data.path("connection_status").asText() + "): ";
            String status = data.path("connection_status").asText();
            Map<String, String> shown = new TreeMap<>();
            data.path("entities").forEach(entity -> shown.put(entity.get("entity_id").asText(), entity.get("status").asText()));
            if (shown.size() != data.path("entities").size()) {
                word.violations.add(at + "an entity shown more than once: " + data.path("entities"));
            }
            if (word.gone) {
                word.violations.add(at + "after the connection's disconnected");
            }
            if (entities == null && !ESTABLISHED.equals(type)) {
                word.violations.add(at + "the first event is not " + ESTABLISHED);
                entities = shown.keySet();
            }
            switch (type) {
                case ESTABLISHED -> {
                    if (entities != null) {
                        word.violations.add(at + "a second " + ESTABLISHED);
                    }
                    Set<String> ids = new HashSet<>();
                    data.path("entity_ids").forEach(id -> ids.add(id.asText()));
                    entities = ids;
                    if (!"connected".equals(status) || shown.values().stream().anyMatch(s -> !"connected".equals(s))) {
                        word.violations.add(at + "established but not connected: " + shown);
                    }
                }
                case REAUTH_NEEDED -> {
                    boolean followUp = data.path("reauth_session").isObject();
                    if (!followUp) {
                        if (word.episodeOpen) {
                            word.violations.add(at + "a new episode while one is open");
                        }
                        word.episodeOpen = true;
                        word.linkAnnounced = false;
                        word.announcedSessionId = null;
                        if (!NEEDS_EMPLOYER.contains(status)) {
                            word.violations.add(at + "opens an episode in a status that does not need the employer");
                        }
                        Set<String> named = new HashSet<>();
                        data.path("entity_ids").forEach(id -> named.add(id.asText()));
                        if (named.isEmpty() || !entities.containsAll(named)) {
                            word.violations.add(at + "entity_ids " + named + " are not entities of the connection " + entities);
                        }
                    } else if (!word.episodeOpen) {
                        word.violations.add(at + "a link announced with no episode open");
                    } else if (word.linkAnnounced) {
                        word.violations.add(at + "a third reauth_needed in one episode");
                    } else {
                        word.linkAnnounced = true;
                        word.announcedSessionId = data.path("reauth_session").path("session_id").asText();
                    }
                }
                case REAUTHENTICATED -> {
                    if (!word.episodeOpen) {
                        word.violations.add(at + "reauthenticated with no episode open");
                    }
                    word.episodeOpen = false;
                    if (!"connected".equals(status)) {
                        word.violations.add(at + "reauthenticated but not connected");
                    }
                }
                case DISCONNECTED -> {
                    if ("disconnected".equals(status)) {
                        word.gone = true;
                        word.episodeOpen = false;
                        if (shown.values().stream().anyMatch(s -> !"disconnected".equals(s))) {
                            word.violations.add(at + "the connection disconnected with entities still attached: " + shown);
                        }
                    } else {
                        Set<String> named = new HashSet<>();
                        data.path("entity_ids").forEach(id -> named.add(id.asText()));
                        if (named.isEmpty()) {
                            word.violations.add(at + "an entity-level disconnected naming no entity");
                        }
                        for (String id : named) {
                            if (!entities.contains(id)) {
                                word.violations.add(at + "names " + id + ", not an entity of the connection");
                            }
                            if (!word.entitiesAnnouncedGone.add(id)) {
                                word.violations.add(at + "entity " + id + " announced disconnected a second time");
                            }
                            if (!"disconnected".equals(shown.get(id))) {
                                word.violations.add(at + "entity " + id + " announced disconnected but shown " + shown.get(id));
                            }
                        }
                    }
                }
                default -> word.violations.add(at + "an unknown event type");
            }
            if (entities != null && !shown.keySet().equals(entities)) {
                word.violations.add(at + "entities " + shown.keySet() + " are not the connection's " + entities);
            }
            for (String id : word.entitiesAnnouncedGone) {
                if (shown.containsKey(id) && !"disconnected".equals(shown.get(id))) {
                    word.violations.add(at + "entity " + id + ", announced disconnected, shown " + shown.get(id));
                }
            }
            boolean allGone = !shown.isEmpty() && shown.values().stream().allMatch("disconnected"::equals);
            if ("disconnected".equals(status) != (DISCONNECTED.equals(type) && word.gone)) {
                word.violations.add(at + "connection_status disconnected only on the connection's own disconnected");
            }
            if (allGone && !"disconnected".equals(status)) {
                word.violations.add(at + "every entity disconnected but the connection " + status);
            }
            if (!"disconnected".equals(status)) {
                if (!RANK.contains(status)) {
                    word.violations.add(at + "unknown connection_status");
                } else {
                    for (Map.Entry<String, String> entity : shown.entrySet()) {
                        if (!"disconnected".equals(entity.getValue()) && RANK.indexOf(entity.getValue()) > RANK.indexOf(status)) {
                            word.violations.add(at + "entity " + entity.getKey() + " is " + entity.getValue()
                                    + ", worse than the connection's " + status);
                        }
                    }
                }
            }
        }
        if (entities == null) {
            word.violations.add("no event at all, not even " + ESTABLISHED);
        }
        return word;
    }

    /**
     * Who is named: an event removing entities (the connection's own too, which names those it still had) says
     * {@code by: operator} when an operator alone asked Finch to remove them, whether the service applied Finch's
     * answer or, the answer lost, Finch's account.updated or a later introspection; {@code by: finch} when Finch
     * alone removed them. An event naming entities of both is not judged.
     */
    static List<String> whoViolations(Outcome outcome) {
        List<String> violations = new ArrayList<>();
        LifecycleWorld.Connection connection = outcome.connection();
        for (JsonNode event : outcome.events()) {
            JsonNode data = event.has("data") && event.get("data").isObject() ? event.get("data") : event;
            if (!DISCONNECTED.equals(event.get("ce_type").asText())) {
                continue;
            }
            List<String> named = new ArrayList<>();
            data.path("entity_ids").forEach(id -> named.add(id.asText()));
            if (named.isEmpty()) {
                named.add(LifecycleWorld.WHOLE);
            }
            Set<String> removers = new HashSet<>();
            for (String removed : named) {
                boolean operator = removedBy(connection.removedByOperator, connection.removedByFinch, removed);
                boolean finch = removedBy(connection.removedByFinch, connection.removedByOperator, removed);
                removers.add(operator == finch ? "unknown" : operator ? "operator" : "finch");
            }
            String by = data.path("by").asText();
            if (removers.size() == 1 && !removers.contains("unknown") && !removers.contains(by)) {
                violations.add("entities " + named + " were removed by " + removers.iterator().next() + " but announced by: " + by);
            }
        }
        return violations;
    }

    /** Whether {@code these} asked Finch to remove the entity: by name, or with the whole connection unless the others had. */
    private static boolean removedBy(Set<String> these, Set<String> others, String entity) {
        return these.contains(entity) || (these.contains(LifecycleWorld.WHOLE) && !others.contains(entity));
    }

    /** Invariants 2 and 3 of one settled connection. */
    static List<String> announcementViolations(Outcome outcome) {
        Word word = word(outcome.events());
        List<String> violations = new ArrayList<>(word.violations);
        String expected = expectedStatus(outcome.atFinch());
        if (NEEDS_EMPLOYER.contains(expected)) {
            if (!word.episodeOpen) {
                violations.add("Finch's " + expected + " needs the employer, but no episode is open");
            } else if (!word.linkAnnounced) {
                violations.add("the open episode's link was never announced");
            }
            JsonNode session = outcome.atService().path("reauth_session");
            if (!session.isObject()) {
                violations.add("the service hands out no link for Finch's " + expected);
            } else {
                if (word.announcedSessionId != null && !word.announcedSessionId.equals(session.get("session_id").asText())) {
                    violations.add("the link handed out (" + session.get("session_id").asText() + ") is not the one announced ("
                            + word.announcedSessionId + ")");
                }
                JsonNode link = outcome.linkAtFinch();
                if (link == null) {
                    violations.add("the link's session is unknown at Finch");
                } else if (!link.path("usable").asBoolean() || !"reauth".equals(link.path("kind").asText())
                        || !outcome.connection().id.equals(link.path("connection_id").asText())) {
                    violations.add("the link does not open Connect for this connection at Finch: " + link);
                }
            }
        } else if ("connected".equals(expected) && word.episodeOpen) {
            violations.add("Finch says connected, but an episode is still open");
        }
        violations.addAll(whoViolations(outcome));
        if ("disconnected".equals(expected) && !word.gone) {
            violations.add("Finch ended the connection; its disconnected was never announced");
        }
        if (!"disconnected".equals(expected)) {
            Set<String> gone = goneAtFinch(outcome.atFinch());
            if (!word.entitiesAnnouncedGone.equals(gone)) {
                violations.add("entities Finch removed " + gone + ", announced removed " + word.entitiesAnnouncedGone);
            }
        }
        return violations;
    }
}
