package io.finchconnect.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The lifecycle's tables and state diagram as docs/lifecycle.md shows them, computed by running {@link Lifecycle}
 * on representative states and every input: what the document says is what the code does.
 */
final class LifecycleTable {

    static final Duration DELAY = Duration.ofSeconds(30);
    static final Duration STALE_AFTER = Duration.ofDays(8);
    static final Instant SUSPECTED_AT = Instant.parse("2026-12-07T10:00:00Z");
    private static final Lifecycle LIFECYCLE = new Lifecycle(DELAY, STALE_AFTER);

    private LifecycleTable() {
    }

    /** A state with the row at version 1, so that an answer asked at version 0 is stale. */
    static LifecycleState state(ConnectionStatus status, boolean episodeOpen, boolean requested, boolean suspected,
                                boolean disconnectAsked) {
        ConnectionStatus entity = status == ConnectionStatus.DISCONNECTED ? ConnectionStatus.DISCONNECTED : status;
        return new LifecycleState(status, Map.of("e1", entity), List.of(), episodeOpen || requested ? 1 : 0, episodeOpen,
                requested, disconnectAsked, Set.of(), suspected ? SUSPECTED_AT : null, 1, null, false);
    }

    /** A connected connection in a stale spell: its last successful sync nine days before {@link #SUSPECTED_AT}. */
    static LifecycleState stale() {
        return new LifecycleState(ConnectionStatus.CONNECTED, Map.of("e1", ConnectionStatus.CONNECTED), List.of(), 0, false,
                false, false, Set.of(), null, 1, SUSPECTED_AT.minus(Duration.ofDays(9)), true);
    }

    /** The columns of the main table. */
    static Map<String, LifecycleState> states() {
        Map<String, LifecycleState> states = new LinkedHashMap<>();
        states.put("connected", state(ConnectionStatus.CONNECTED, false, false, false, false));
        states.put("pending", state(ConnectionStatus.PENDING, false, false, false, false));
        states.put("reauth", state(ConnectionStatus.REAUTH, true, false, false, false));
        states.put("error_permissions", state(ConnectionStatus.ERROR_PERMISSIONS, true, false, false, false));
        states.put("pending +episode", state(ConnectionStatus.PENDING, true, false, false, false));
        states.put("connected +requested", state(ConnectionStatus.CONNECTED, false, true, false, false));
        states.put("connected +suspected", state(ConnectionStatus.CONNECTED, false, false, true, false));
        states.put("connected +asked", state(ConnectionStatus.CONNECTED, false, false, false, true));
        states.put("connected +stale", stale());
        states.put("disconnected", state(ConnectionStatus.DISCONNECTED, false, false, false, false));
        return states;
    }

    /** The rows of the main table: each input, as it would come to a state of {@link #states()}. */
    static Map<String, Function<LifecycleState, LifecycleInput>> inputs() {
        Map<String, Function<LifecycleState, LifecycleInput>> inputs = new LinkedHashMap<>();
        for (ConnectionStatus status : ConnectionStatus.values()) {
            inputs.put("Finch shows " + status.finchName(), state -> new LifecycleInput.Observed(state.version(), status,
                    Map.of("e1", status)));
        }
        inputs.put("Finch shows connected, last sync 9 days ago", state -> new LifecycleInput.Observed(state.version(),
                ConnectionStatus.CONNECTED, Map.of("e1", ConnectionStatus.CONNECTED), SUSPECTED_AT.minus(Duration.ofDays(9)),
                SUSPECTED_AT));
        inputs.put("Finch shows connected, last sync 1 day ago", state -> new LifecycleInput.Observed(state.version(),
                ConnectionStatus.CONNECTED, Map.of("e1", ConnectionStatus.CONNECTED), SUSPECTED_AT.minus(Duration.ofDays(1)),
                SUSPECTED_AT));
        inputs.put("Finch's answer asked before the last change", state -> new LifecycleInput.Observed(
                state.version() - 1, ConnectionStatus.REAUTH, Map.of()));
        inputs.put("401 reauthenticate_user", state -> new LifecycleInput.ReauthRequired(state.version()));
        inputs.put("other Finch 401, sooner than the delay after the first", state -> new LifecycleInput.TokenRefused(state.version(),
                SUSPECTED_AT.plusSeconds(1), false));
        inputs.put("other Finch 401, the delay or more after the first", state -> new LifecycleInput.TokenRefused(state.version(),
                SUSPECTED_AT.plus(DELAY), false));
        inputs.put("other Finch 401, Finch's webhook said disconnected", state -> new LifecycleInput.TokenRefused(
                state.version(), SUSPECTED_AT.plusSeconds(1), true));
        inputs.put("Finch unavailable (5xx, 429, timeout, a proxy's 401, 403, 404)", state -> new LifecycleInput.Unavailable());
        inputs.put("employer completed Connect", state -> new LifecycleInput.EmployerCameBack(List.of("e1")));
        inputs.put("a session made for the open episode (sweeper or API)", state -> new LifecycleInput.SessionCreated(
                state.episode()));
        inputs.put("a session asked for through the API, no episode open", state -> new LifecycleInput.SessionCreated(
                state.episode() + 1));
        inputs.put("Finch's webhook: a data sync finished", state -> new LifecycleInput.DataSynced(
                "job.data_sync_all.completed", "j1", "https://finch/jobs/automated/j1", null));
        inputs.put("operator disconnect: intent", state -> new LifecycleInput.DisconnectIntent(null));
        inputs.put("operator disconnect: Finch did it", state -> new LifecycleInput.DisconnectOutcome(null, true));
        inputs.put("operator disconnect: Finch refused or was not reached", state -> new LifecycleInput.DisconnectOutcome(null, false));
        return inputs;
    }

    /** The entity table's columns: a connection of two entities. */
    static Map<String, LifecycleState> entityStates() {
        Map<String, LifecycleState> states = new LinkedHashMap<>();
        Map<String, ConnectionStatus> both = new LinkedHashMap<>();
        both.put("e1", ConnectionStatus.CONNECTED);
        both.put("e2", ConnectionStatus.CONNECTED);
        states.put("e1, e2 connected", new LifecycleState(ConnectionStatus.CONNECTED, both, List.of(), 0, false, false,
                false, Set.of(), null, 1, null, false));
        states.put("e1, e2 connected, e2 asked", new LifecycleState(ConnectionStatus.CONNECTED, both, List.of(), 0, false,
                false, false, Set.of("e2"), null, 1, null, false));
        states.put("e1 connected, e2 removed", new LifecycleState(ConnectionStatus.CONNECTED, Map.of("e1",
                ConnectionStatus.CONNECTED), List.of("e2"), 0, false, false, false, Set.of(), null, 1, null, false));
        return states;
    }

    static Map<String, Function<LifecycleState, LifecycleInput>> entityInputs() {
        Map<String, Function<LifecycleState, LifecycleInput>> inputs = new LinkedHashMap<>();
        inputs.put("Finch shows e2 disconnected", state -> observed(state, Map.of("e1", ConnectionStatus.CONNECTED,
                "e2", ConnectionStatus.DISCONNECTED)));
        inputs.put("Finch shows e1 and e2 disconnected", state -> observed(state, Map.of("e1",
                ConnectionStatus.DISCONNECTED, "e2", ConnectionStatus.DISCONNECTED)));
        inputs.put("Finch shows e2 in reauth", state -> observed(state, Map.of("e1", ConnectionStatus.CONNECTED,
                "e2", ConnectionStatus.REAUTH)));
        inputs.put("Finch shows a new e3 connected", state -> observed(state, Map.of("e1", ConnectionStatus.CONNECTED,
                "e3", ConnectionStatus.CONNECTED)));
        inputs.put("operator disconnects e2: intent", state -> new LifecycleInput.DisconnectIntent(List.of("e2")));
        inputs.put("operator disconnects e2: Finch did it", state -> new LifecycleInput.DisconnectOutcome(List.of("e2"), true));
        inputs.put("operator disconnects e1, e2: Finch did it", state -> new LifecycleInput.DisconnectOutcome(
                List.of("e1", "e2"), true));
        inputs.put("operator disconnects e2: Finch refused", state -> new LifecycleInput.DisconnectOutcome(List.of("e2"), false));
        return inputs;
    }

    private static LifecycleInput observed(LifecycleState state, Map<String, ConnectionStatus> entities) {
        return new LifecycleInput.Observed(state.version(), ConnectionStatus.CONNECTED, new LinkedHashMap<>(entities));
    }

    static String mainTable() {
        return table(states(), inputs(), LifecycleTable::describe);
    }

    static String entityTable() {
        return table(entityStates(), entityInputs(), LifecycleTable::describeEntities);
    }

    private static String table(Map<String, LifecycleState> states, Map<String, Function<LifecycleState, LifecycleInput>> inputs,
                                Function<LifecycleState, String> describe) {
        StringBuilder table = new StringBuilder("| input \\ state | ").append(String.join(" | ", states.keySet())).append(" |\n");
        table.append("|---|").append("---|".repeat(states.size())).append('\n');
        inputs.forEach((name, input) -> {
            table.append("| ").append(name).append(" |");
            states.values().forEach(state -> table.append(' ').append(cell(state, input.apply(state), describe)).append(" |"));
            table.append('\n');
        });
        return table.toString();
    }

    private static String cell(LifecycleState state, LifecycleInput input, Function<LifecycleState, String> describe) {
        Decision decision = LIFECYCLE.decide(state, input);
        return switch (decision.kind()) {
            case STALE -> "asked again";
            case REFUSED -> "refused";
            case UNCHANGED -> decision.askAgainIn() == null ? "·" : "· (asked again later)";
            case CHANGED -> {
                List<String> parts = new ArrayList<>();
                if (!decision.state().equals(state)) {
                    parts.add("**" + describe.apply(decision.state()) + "**");
                }
                decision.events().forEach(event -> parts.add(eventName(event)));
                if (decision.askAgainIn() != null) {
                    parts.add("asked again in " + decision.askAgainIn().toSeconds() + " s");
                }
                yield String.join(", ", parts);
            }
        };
    }

    static String describe(LifecycleState state) {
        StringBuilder text = new StringBuilder(state.status().finchName());
        if (state.episodeOpen() && !state.status().needsEmployer()) {
            text.append(" +episode");
        }
        if (state.episodeRequested()) {
            text.append(" +requested");
        }
        if (state.disconnectSuspectedSince() != null) {
            text.append(" +suspected");
        }
        if (state.disconnectRequested() && state.status() != ConnectionStatus.DISCONNECTED) {
            text.append(" +asked");
        }
        if (state.stale()) {
            text.append(" +stale");
        }
        return text.toString();
    }

    private static String describeEntities(LifecycleState state) {
        List<String> parts = new ArrayList<>();
        state.attached().forEach((id, status) -> parts.add(id + " " + status.finchName()));
        state.removed().forEach(id -> parts.add(id + " removed"));
        if (!state.disconnectRequestedEntities().isEmpty()) {
            parts.add(String.join(", ", state.disconnectRequestedEntities()) + " asked");
        }
        String entities = String.join(", ", parts);
        return state.status() == ConnectionStatus.CONNECTED ? entities : state.status().finchName() + ": " + entities;
    }

    static String eventName(LifecycleEvent event) {
        if (event instanceof LifecycleEvent.ReauthNeeded needed && needed.withSession()) {
            return "`reauth_needed` (with session)";
        }
        if (event instanceof LifecycleEvent.Disconnected disconnected) {
            return "`disconnected` " + disconnected.entityIds() + " by " + (disconnected.byOperator() ? "operator" : "finch");
        }
        return "`" + kind(event) + "`";
    }

    /** The phase of the state diagram a state is in. */
    static String phase(LifecycleState state) {
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            return "Disconnected";
        }
        if (state.status().needsEmployer()) {
            return "NeedsEmployer";
        }
        if (state.episodeOpen()) {
            return "EmployerInConnect";
        }
        return state.episodeRequested() ? "Requested" : "Live";
    }

    /** Every edge between phases the lifecycle takes, labelled with its events ({@code -} for none). */
    static Set<String> edges() {
        Set<String> edges = new TreeSet<>();
        List<LifecycleState> states = new ArrayList<>();
        for (ConnectionStatus status : ConnectionStatus.values()) {
            boolean live = status != ConnectionStatus.DISCONNECTED;
            states.add(state(status, status.needsEmployer(), false, false, false));
            if (live && !status.needsEmployer()) {
                states.add(state(status, true, false, false, false));
                states.add(state(status, false, true, false, false));
            }
        }
        for (LifecycleState state : states) {
            for (Function<LifecycleState, LifecycleInput> input : inputs().values()) {
                Decision decision = LIFECYCLE.decide(state, input.apply(state));
                String from = phase(state);
                String to = phase(decision.state());
                String label = decision.events().stream().map(LifecycleTable::kind).distinct()
                        .collect(Collectors.joining(", "));
                if (!from.equals(to) || !label.isEmpty()) {
                    edges.add(from + " --> " + to + " : " + (label.isEmpty() ? "-" : label));
                }
            }
        }
        edges.add("[*] --> Live : established");
        return edges;
    }

    /** The event's type, as the diagram and the property test name it. */
    static String kind(LifecycleEvent event) {
        if (event instanceof LifecycleEvent.ReauthNeeded needed) {
            return needed.withSession() ? "reauth_needed with session" : "reauth_needed";
        }
        if (event instanceof LifecycleEvent.Reauthenticated) {
            return "reauthenticated";
        }
        if (event instanceof LifecycleEvent.Established) {
            return "established";
        }
        if (event instanceof LifecycleEvent.DataSynced) {
            return "data_synced";
        }
        if (event instanceof LifecycleEvent.Stale) {
            return "stale";
        }
        return "disconnected";
    }
}
