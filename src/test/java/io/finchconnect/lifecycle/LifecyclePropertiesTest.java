package io.finchconnect.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import io.finchconnect.lifecycle.LifecycleEvent.Disconnected;
import io.finchconnect.lifecycle.LifecycleEvent.ReauthNeeded;
import io.finchconnect.lifecycle.LifecycleEvent.Reauthenticated;

/**
 * The lifecycle against a reference table, over thousands of generated input sequences, with no I/O: each step's
 * status and events are the table's ({@link #expectedStatus}, {@link #expectedEvents}), and every sequence's events
 * are a word of the lifecycle as a consumer reads it (docs/lifecycle.md): nothing after the connection's
 * {@code disconnected}, each entity disconnected once, {@code reauthenticated} only in an open episode, an episode's
 * {@code reauth_needed} without a session only as its first event, and a connection that needs the employer always
 * in an announced episode.
 */
class LifecyclePropertiesTest {

    private static final Duration DELAY = Duration.ofSeconds(30);
    private static final Lifecycle LIFECYCLE = new Lifecycle(DELAY, Duration.ofDays(8));
    private static final List<String> ENTITY_POOL = List.of("e1", "e2", "e3");
    private static final Instant START = Instant.parse("2026-12-07T10:00:00Z");

    /** One generated input, made concrete against the state it comes to. */
    private record Step(int kind, ConnectionStatus status, List<ConnectionStatus> entityStatuses, boolean stale,
                        int seconds, boolean flag, List<String> entities) {
    }

    @Property(tries = 3000)
    void everySequenceFollowsTheTableAndIsAWordOfTheLifecycle(@ForAll("sequences") List<Step> steps,
                                                               @ForAll("entityCounts") int entityCount) {
        LifecycleState state = LifecycleState.established(ENTITY_POOL.subList(0, entityCount));
        Consumer consumer = new Consumer(state);
        Instant now = START;
        for (Step step : steps) {
            now = now.plusSeconds(step.seconds());
            LifecycleInput input = concrete(step, state, now);
            Decision decision = LIFECYCLE.decide(state, input);
            assertThat(decision.state().status()).as("status after %s on %s", input, state)
                    .isEqualTo(expectedStatus(state, input));
            assertThat(kinds(decision.events())).as("events of %s on %s", input, state)
                    .isEqualTo(expectedEvents(state, input));
            holdsItsInvariants(decision.state());
            consumer.read(decision.events(), decision.state());
            state = committed(state, decision, input);
        }
    }

    @Property(tries = 1000)
    void finchsAnswerAtTheCurrentVersionAlwaysWins(@ForAll("sequences") List<Step> steps,
                                                   @ForAll("statuses") ConnectionStatus finch) {
        LifecycleState state = LifecycleState.established(List.of("e1"));
        Instant now = START;
        for (Step step : steps) {
            now = now.plusSeconds(step.seconds());
            LifecycleInput input = concrete(step, state, now);
            state = committed(state, LIFECYCLE.decide(state, input), input);
        }
        boolean wasDisconnected = state.status() == ConnectionStatus.DISCONNECTED;
        Decision answer = LIFECYCLE.decide(state, new LifecycleInput.Observed(state.version(), finch, Map.of()));
        assertThat(answer.state().status()).isEqualTo(wasDisconnected ? ConnectionStatus.DISCONNECTED : finch);
        assertThat(answer.state().inEpisode()).isEqualTo(!wasDisconnected
                && (finch.needsEmployer() || answer.state().episodeRequested() || answer.state().episodeOpen()));
        if (!wasDisconnected && finch == ConnectionStatus.CONNECTED) {
            assertThat(answer.state().episodeOpen()).as("connected ends Finch's episode").isFalse();
        }
    }

    @Provide
    Arbitrary<List<Step>> sequences() {
        Arbitrary<ConnectionStatus> status = statuses();
        // Mostly live statuses: disconnected ends a sequence's interest.
        Arbitrary<ConnectionStatus> entityStatus = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.of(ConnectionStatus.CONNECTED)),
                net.jqwik.api.Tuple.of(4, Arbitraries.of(ConnectionStatus.REAUTH, ConnectionStatus.PENDING,
                        ConnectionStatus.PROCESSING, ConnectionStatus.ERROR_PERMISSIONS, ConnectionStatus.ERROR_NO_ACCOUNT_SETUP)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(ConnectionStatus.DISCONNECTED)));
        Arbitrary<Step> step = Combinators.combine(
                Arbitraries.frequency(net.jqwik.api.Tuple.of(8, 0), net.jqwik.api.Tuple.of(2, 1), net.jqwik.api.Tuple.of(2, 2),
                        net.jqwik.api.Tuple.of(1, 3), net.jqwik.api.Tuple.of(2, 4), net.jqwik.api.Tuple.of(2, 5),
                        net.jqwik.api.Tuple.of(2, 6), net.jqwik.api.Tuple.of(2, 7), net.jqwik.api.Tuple.of(2, 8),
                        net.jqwik.api.Tuple.of(1, 9)),
                status.filter(s -> s != ConnectionStatus.DISCONNECTED),
                entityStatus.list().ofSize(3),
                Arbitraries.frequency(net.jqwik.api.Tuple.of(5, false), net.jqwik.api.Tuple.of(1, true)),
                Arbitraries.integers().between(0, 40),
                Arbitraries.of(true, false),
                Arbitraries.of(ENTITY_POOL).set().ofMinSize(1).ofMaxSize(3).map(List::copyOf))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    Arbitrary<ConnectionStatus> statuses() {
        return Arbitraries.of(ConnectionStatus.class);
    }

    @Provide
    Arbitrary<Integer> entityCounts() {
        return Arbitraries.integers().between(1, 3);
    }

    /**
     * 0 an observation (its entities those attached, in Finch's statuses; stale when asked before the last change),
     * 1 {@code 401 reauthenticate_user}, 2 another Finch 401 ({@code flag}: Finch's webhook said disconnected),
     * 3 Finch unavailable, 4 the employer back (granting a new entity if {@code flag}), 5 a session asked for
     * through the API for a new episode, 6 a session made for the open episode (for an older one if {@code flag}), 7 an operator's intent (some entities if
     * {@code flag}), 8 its outcome (done if {@code flag}), 9 Finch's webhook that a data sync finished. An
     * observation says when Finch last synced if {@code flag}.
     */
    private static LifecycleInput concrete(Step step, LifecycleState state, Instant now) {
        int askedAt = step.stale() ? state.version() - 1 : state.version();
        List<String> some = step.flag() ? step.entities() : null;
        return switch (step.kind()) {
            case 0 -> {
                Map<String, ConnectionStatus> entities = new LinkedHashMap<>();
                List<String> ids = new ArrayList<>(state.attached().keySet());
                for (int i = 0; i < ids.size() && i < step.entityStatuses().size(); i++) {
                    entities.put(ids.get(i), step.entityStatuses().get(i));
                }
                // Half of them say when Finch last synced: up to twelve days ago, the threshold being eight.
                yield step.flag() ? new LifecycleInput.Observed(askedAt, step.status(), entities,
                        now.minus(Duration.ofDays(step.seconds() % 12)), now)
                        : new LifecycleInput.Observed(askedAt, step.status(), entities);
            }
            case 1 -> new LifecycleInput.ReauthRequired(askedAt);
            case 2 -> new LifecycleInput.TokenRefused(askedAt, now, step.flag());
            case 3 -> new LifecycleInput.Unavailable();
            case 4 -> {
                List<String> granted = new ArrayList<>(state.attached().keySet());
                if (step.flag()) {
                    ENTITY_POOL.stream().filter(id -> !granted.contains(id)).findFirst().ifPresent(granted::add);
                }
                yield new LifecycleInput.EmployerCameBack(granted);
            }
            case 5 -> new LifecycleInput.SessionCreated(state.episode() + 1);
            case 6 -> new LifecycleInput.SessionCreated(step.flag() ? state.episode() - 1 : state.episode());
            case 7 -> new LifecycleInput.DisconnectIntent(some);
            case 9 -> new LifecycleInput.DataSynced("job.data_sync_all.completed", "job-" + step.seconds(), null, null);
            case 8 -> new LifecycleInput.DisconnectOutcome(step.flag() ? null : step.entities(), step.flag() || step.seconds() % 2 == 0);
            default -> throw new IllegalArgumentException("no input of kind " + step.kind());
        };
    }

    /** The database's trigger: the version grows when the status, entities, token or disconnect request change. */
    private static LifecycleState committed(LifecycleState before, Decision decision, LifecycleInput input) {
        LifecycleState after = decision.state();
        boolean counted = after.status() != before.status() || !after.attached().equals(before.attached())
                || !after.removed().equals(before.removed()) || after.disconnectRequested() != before.disconnectRequested()
                || !after.disconnectRequestedEntities().equals(before.disconnectRequestedEntities())
                || input instanceof LifecycleInput.EmployerCameBack && before.status() != ConnectionStatus.DISCONNECTED;
        return counted ? after.withVersion(after.version() + 1) : after;
    }

    private static void holdsItsInvariants(LifecycleState state) {
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            assertThat(state.inEpisode()).as("no episode on a disconnected connection").isFalse();
            return;
        }
        assertThat(!state.status().needsEmployer() || state.episodeOpen()).as("needing the employer opens an episode: %s",
                state).isTrue();
        assertThat(state.attached()).as("a live connection keeps an entity").isNotEmpty();
        assertThat(state.attached().values()).doesNotContain(ConnectionStatus.DISCONNECTED);
        assertThat(state.removed()).doesNotContainAnyElementsOf(state.attached().keySet());
        assertThat(state.episodeOpen() && state.episodeRequested()).as("one episode at a time").isFalse();
    }

    // The reference table. Status: what Finch's word, the employer or the operator makes the connection.

    static ConnectionStatus expectedStatus(LifecycleState state, LifecycleInput input) {
        ConnectionStatus now = state.status();
        if (now == ConnectionStatus.DISCONNECTED) {
            return now;
        }
        if (input instanceof LifecycleInput.Observed observed) {
            if (observed.askedAt() != state.version()) {
                return now;
            }
            if (observed.connectionStatus() == ConnectionStatus.DISCONNECTED) {
                return ConnectionStatus.DISCONNECTED;
            }
            List<ConnectionStatus> live = observed.entities().values().stream()
                    .filter(status -> status != ConnectionStatus.DISCONNECTED).toList();
            if (!observed.entities().isEmpty() && live.isEmpty()) {
                return ConnectionStatus.DISCONNECTED;
            }
            return worst(observed.connectionStatus(), live);
        }
        if (input instanceof LifecycleInput.ReauthRequired refusal) {
            return refusal.askedAt() == state.version() ? ConnectionStatus.REAUTH : now;
        }
        if (input instanceof LifecycleInput.TokenRefused refusal) {
            boolean confirmed = refusal.finchSaidDisconnected() || state.disconnectRequested()
                    || state.disconnectSuspectedSince() != null
                    && !refusal.at().isBefore(state.disconnectSuspectedSince().plus(DELAY));
            return refusal.askedAt() == state.version() && confirmed ? ConnectionStatus.DISCONNECTED : now;
        }
        if (input instanceof LifecycleInput.EmployerCameBack) {
            return now.needsEmployer() || state.episodeOpen() ? ConnectionStatus.CONNECTED : now;
        }
        if (input instanceof LifecycleInput.DisconnectOutcome outcome && outcome.done()) {
            return outcome.entityIds() == null || outcome.entityIds().containsAll(state.attached().keySet())
                    ? ConnectionStatus.DISCONNECTED : now;
        }
        return now;
    }

    /** Events: what a consumer must be told of that change, in order. */
    static List<String> expectedEvents(LifecycleState state, LifecycleInput input) {
        List<String> events = new ArrayList<>();
        ConnectionStatus next = expectedStatus(state, input);
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            return events;
        }
        if (input instanceof LifecycleInput.DataSynced) {
            events.add("data_synced");
            return events;
        }
        if (input instanceof LifecycleInput.SessionCreated created) {
            boolean open = created.episode() == state.episode() && state.inEpisode();
            boolean opens = created.episode() == state.episode() + 1 && !state.inEpisode();
            if (open || opens) {
                events.add("reauth_needed with session");
            }
            return events;
        }
        if (input instanceof LifecycleInput.DisconnectOutcome outcome && outcome.done() && outcome.entityIds() != null
                && outcome.entityIds().stream().anyMatch(state.attached()::containsKey)) {
            events.add("disconnected");
            return events;
        }
        if (input instanceof LifecycleInput.Observed observed && observed.askedAt() == state.version()
                && next != ConnectionStatus.DISCONNECTED) {
            List<String> gone = observed.entities().entrySet().stream()
                    .filter(entry -> entry.getValue() == ConnectionStatus.DISCONNECTED && state.attached().containsKey(entry.getKey()))
                    .map(Map.Entry::getKey).toList();
            if (gone.stream().anyMatch(state.disconnectRequestedEntities()::contains)) {
                events.add("disconnected");
            }
            if (gone.stream().anyMatch(id -> !state.disconnectRequestedEntities().contains(id))) {
                events.add("disconnected");
            }
        }
        boolean finchEpisode = state.status().needsEmployer() || state.episodeOpen();
        if (next == ConnectionStatus.DISCONNECTED && state.status() != ConnectionStatus.DISCONNECTED) {
            events.add("disconnected");
        } else if (next.needsEmployer() && !state.inEpisode()) {
            events.add("reauth_needed");
        } else if (input instanceof LifecycleInput.EmployerCameBack && state.inEpisode()) {
            events.add("reauthenticated");
        } else if (next == ConnectionStatus.CONNECTED && finchEpisode && !(input instanceof LifecycleInput.EmployerCameBack)) {
            events.add("reauthenticated");
        }
        if (input instanceof LifecycleInput.Observed observed && observed.askedAt() == state.version()
                && next != ConnectionStatus.DISCONNECTED && observed.at() != null && observed.lastSuccessfulSync() != null
                && observed.lastSuccessfulSync().plus(Duration.ofDays(8)).isBefore(observed.at()) && !state.stale()) {
            events.add("stale");
        }
        return events;
    }

    private static ConnectionStatus worst(ConnectionStatus connectionLevel, List<ConnectionStatus> entities) {
        List<ConnectionStatus> order = List.of(ConnectionStatus.CONNECTED, ConnectionStatus.PENDING, ConnectionStatus.PROCESSING,
                ConnectionStatus.ERROR_NO_ACCOUNT_SETUP, ConnectionStatus.ERROR_PERMISSIONS, ConnectionStatus.REAUTH);
        ConnectionStatus worst = connectionLevel;
        for (ConnectionStatus status : entities) {
            if (order.indexOf(status) > order.indexOf(worst)) {
                worst = status;
            }
        }
        return worst;
    }

    private static List<String> kinds(List<LifecycleEvent> events) {
        return events.stream().map(LifecycleTable::kind).toList();
    }

    /** A consumer reading the events: what it may see, and what it must know. */
    private static final class Consumer {
        private boolean ended;
        private boolean episodeOpen;
        private boolean episodeAnnounced;
        private final Set<String> disconnectedEntities = new HashSet<>();

        Consumer(LifecycleState established) {
            assertThat(established.inEpisode()).isFalse();
        }

        void read(List<LifecycleEvent> events, LifecycleState after) {
            for (LifecycleEvent event : events) {
                assertThat(ended).as("an event after the connection's disconnected").isFalse();
                if (event instanceof ReauthNeeded needed) {
                    assertThat(!needed.withSession() && episodeOpen).as("a second opening reauth_needed in one episode")
                            .isFalse();
                    episodeOpen = true;
                    episodeAnnounced = true;
                } else if (event instanceof Reauthenticated) {
                    assertThat(episodeOpen).as("reauthenticated without an open episode").isTrue();
                    episodeOpen = false;
                } else if (event instanceof Disconnected disconnected) {
                    for (String id : disconnected.entityIds()) {
                        assertThat(disconnectedEntities.add(id)).as("entity %s disconnected twice", id).isTrue();
                    }
                    if (after.status() == ConnectionStatus.DISCONNECTED) {
                        ended = true;
                        episodeOpen = false;
                    }
                }
            }
            if (after.status().needsEmployer()) {
                assertThat(episodeOpen || after.episodeOpen() && episodeAnnounced)
                        .as("a connection that needs the employer is in an announced episode").isTrue();
            }
        }
    }
}
