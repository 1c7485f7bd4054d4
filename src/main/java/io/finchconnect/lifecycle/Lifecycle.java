package io.finchconnect.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.finchconnect.lifecycle.LifecycleEvent.Disconnected;
import io.finchconnect.lifecycle.LifecycleEvent.ReauthNeeded;
import io.finchconnect.lifecycle.LifecycleEvent.Reauthenticated;
import io.finchconnect.lifecycle.LifecycleInput.DataSynced;
import io.finchconnect.lifecycle.LifecycleInput.DisconnectIntent;
import io.finchconnect.lifecycle.LifecycleInput.DisconnectOutcome;
import io.finchconnect.lifecycle.LifecycleInput.EmployerCameBack;
import io.finchconnect.lifecycle.LifecycleInput.Observed;
import io.finchconnect.lifecycle.LifecycleInput.ReauthRequired;
import io.finchconnect.lifecycle.LifecycleInput.SessionCreated;
import io.finchconnect.lifecycle.LifecycleInput.TokenRefused;
import io.finchconnect.lifecycle.LifecycleInput.Unavailable;

/**
 * The connection lifecycle: from a connection's state and one input, its next state and the events that announce
 * the change. Every status the service stores and every event it publishes about a connection is decided here;
 * the stores load a connection, call {@link #decide} and write what it returns (docs/lifecycle.md). No I/O, no
 * clock: the inputs carry what time they need.
 *
 * <p>The rules, which the table in docs/lifecycle.md spells out input by input: Finch is the source of truth, and
 * an answer it gave before a change committed since is asked again, never applied. {@code disconnected} is final,
 * and only Finch's word (confirmed) or an operator's disconnect leads there. A reauth episode opens when the
 * connection needs the employer (or the API asks for one) and closes once, with {@code reauthenticated}, whatever
 * {@code pending} or {@code processing} came in between.
 */
public final class Lifecycle {

    private final Duration confirmationDelay;
    private final Duration staleAfter;

    /**
     * {@code confirmationDelay}: how long after Finch first refused a connection's token a second refusal ends it
     * (REAUTH_DISCONNECT_CONFIRMATION_DELAY); {@code staleAfter}: how old the last successful sync may grow before
     * the connection is stale (CONNECTION_STALE_AFTER).
     */
    public Lifecycle(Duration confirmationDelay, Duration staleAfter) {
        this.confirmationDelay = confirmationDelay;
        this.staleAfter = staleAfter;
    }

    /** A connection Finch just granted, with its {@code established} event. */
    public Decision establish(List<String> entityIds) {
        return new Decision(Decision.Kind.CHANGED, LifecycleState.established(entityIds),
                List.of(new LifecycleEvent.Established()), null);
    }

    public Decision decide(LifecycleState state, LifecycleInput input) {
        if (input instanceof Observed observed) {
            return observed(state, observed);
        }
        if (input instanceof ReauthRequired refusal) {
            return observed(state, new Observed(refusal.askedAt(), ConnectionStatus.REAUTH, Map.of()));
        }
        if (input instanceof DataSynced synced) {
            return state.status() == ConnectionStatus.DISCONNECTED ? unchanged(state)
                    : new Decision(Decision.Kind.CHANGED, state, List.of(new LifecycleEvent.DataSynced(synced.kind(),
                            synced.jobId(), synced.jobUrl(), synced.entityId())), null);
        }
        if (input instanceof TokenRefused refusal) {
            return tokenRefused(state, refusal);
        }
        if (input instanceof Unavailable) {
            return new Decision(Decision.Kind.UNCHANGED, state, List.of(), null);
        }
        if (input instanceof EmployerCameBack cameBack) {
            return employerCameBack(state, cameBack.entityIds());
        }
        if (input instanceof SessionCreated created) {
            return sessionCreated(state, created.episode());
        }
        if (input instanceof DisconnectIntent intent) {
            return disconnectIntent(state, intent.entityIds());
        }
        if (input instanceof DisconnectOutcome outcome) {
            return outcome.done() ? disconnectDone(state, outcome.entityIds()) : disconnectNotDone(state, outcome.entityIds());
        }
        throw new IllegalArgumentException("No rule for " + input);
    }

    private Decision observed(LifecycleState state, Observed observed) {
        Map<String, ConnectionStatus> entities = observed.entities();
        ConnectionStatus connectionLevel = observed.connectionStatus();
        if (state.version() != observed.askedAt()) {
            return new Decision(Decision.Kind.STALE, state, List.of(), Duration.ZERO);
        }
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            return unchanged(state);
        }
        Draft next = new Draft(state);
        entities.forEach((id, status) -> {
            // Finch is the truth about entities too: one it shows anew (a reauthentication granted it) appears. A
            // removed entity stays removed, as a disconnected connection stays disconnected: it was announced once.
            if (!next.removed.contains(id) && (status != ConnectionStatus.DISCONNECTED || next.attached.containsKey(id))) {
                next.attached.put(id, status);
            }
        });
        List<EntityStatuses.Entity> given = entities.entrySet().stream()
                .map(entry -> new EntityStatuses.Entity(entry.getKey(), entry.getValue())).toList();
        ConnectionStatus status = EntityStatuses.overall(connectionLevel, given);
        if (status == ConnectionStatus.DISCONNECTED) {
            return next.disconnected(state, state.disconnectRequested()
                    || state.disconnectRequestedEntities().containsAll(state.attached().keySet()));
        }
        List<String> gone = next.attached.entrySet().stream()
                .filter(entry -> entry.getValue() == ConnectionStatus.DISCONNECTED).map(Map.Entry::getKey).toList();
        gone.forEach(id -> {
            next.attached.remove(id);
            next.removed.add(id);
        });
        List<String> byOperator = gone.stream().filter(state.disconnectRequestedEntities()::contains).toList();
        List<String> byFinch = gone.stream().filter(id -> !byOperator.contains(id)).toList();
        if (!byOperator.isEmpty()) {
            next.events.add(new Disconnected(byOperator, true));
        }
        if (!byFinch.isEmpty()) {
            next.events.add(new Disconnected(byFinch, false));
        }
        // Asked after the operator's intent was recorded (the version says so), Finch still has the connection and the
        // entities it names attached: the calls whose answers were lost did not disconnect them, and a later
        // disconnect is Finch's own. An entity Finch did not name stays asked for. Finch answering for the token
        // also contradicts a suspected disconnect.
        next.disconnectRequested = false;
        next.disconnectRequestedEntities.removeIf(entities::containsKey);
        next.disconnectSuspectedSince = null;
        next.moveTo(state, status);
        if (observed.at() != null) {
            staleness(next, state, observed.lastSuccessfulSync(), observed.at());
        }
        return next.decision(state, null);
    }

    /**
     * A stale spell begins, announced once, when the last successful sync Finch gives is older than the threshold; it
     * ends, silently, when a newer one is not. An unknown last sync is not stale.
     */
    private void staleness(Draft next, LifecycleState state, Instant lastSuccessfulSync, Instant at) {
        next.lastSuccessfulSync = lastSuccessfulSync;
        next.stale = lastSuccessfulSync != null && lastSuccessfulSync.plus(staleAfter).isBefore(at);
        if (next.stale && !state.stale()) {
            next.events.add(new LifecycleEvent.Stale(lastSuccessfulSync));
        }
    }

    private Decision tokenRefused(LifecycleState state, TokenRefused refusal) {
        if (state.version() != refusal.askedAt()) {
            return new Decision(Decision.Kind.STALE, state, List.of(), Duration.ZERO);
        }
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            return unchanged(state);
        }
        Draft next = new Draft(state);
        Instant since = state.disconnectSuspectedSince();
        // One refusal could be a glitch: Finch's own webhook, a refusal confirmed after the delay, or the operator's
        // own disconnect (its answer lost) ends the connection; anything else only records the suspicion.
        if (refusal.finchSaidDisconnected() || state.disconnectRequested()
                || since != null && !refusal.at().isBefore(since.plus(confirmationDelay))) {
            return next.disconnected(state, state.disconnectRequested());
        }
        if (since == null) {
            next.disconnectSuspectedSince = refusal.at();
            return next.decision(state, confirmationDelay);
        }
        return new Decision(Decision.Kind.UNCHANGED, state, List.of(),
                Duration.between(refusal.at(), since.plus(confirmationDelay)));
    }

    private Decision employerCameBack(LifecycleState state, List<String> entityIds) {
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            return unchanged(state);
        }
        Draft next = new Draft(state);
        // Finch just granted them, the employer having signed in; its next introspection gives each its own status.
        List<String> granted = entityIds.stream().filter(id -> !state.removed().contains(id)).toList();
        if (!granted.isEmpty()) {
            next.attached.clear();
            granted.forEach(id -> next.attached.put(id, ConnectionStatus.CONNECTED));
        }
        next.disconnectSuspectedSince = null;
        if (state.inEpisode()) {
            if (state.status().needsEmployer() || state.episodeOpen()) {
                next.status = ConnectionStatus.CONNECTED;
            }
            next.episodeOpen = false;
            next.episodeRequested = false;
            next.events.add(new Reauthenticated());
        }
        return next.decision(state, null);
    }

    /**
     * A session's {@code reauth_needed}: the open episode's second event, or, for a session asked for through the
     * API on a connection that needs nothing, the first and only one of the episode it opens. A session for an
     * episode that is over is refused.
     */
    private Decision sessionCreated(LifecycleState state, int episode) {
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            return new Decision(Decision.Kind.REFUSED, state, List.of(), null);
        }
        if (state.inEpisode() && episode == state.episode()) {
            return new Decision(Decision.Kind.CHANGED, state, List.of(new ReauthNeeded(true, state.concernedEntities())),
                    null);
        }
        if (state.inEpisode() || episode != state.episode() + 1) {
            return new Decision(Decision.Kind.REFUSED, state, List.of(), null);
        }
        Draft next = new Draft(state);
        next.episode++;
        next.episodeRequested = true;
        next.events.add(new ReauthNeeded(true, state.concernedEntities()));
        return next.decision(state, null);
    }

    private Decision disconnectIntent(LifecycleState state, List<String> entityIds) {
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            return unchanged(state);
        }
        Draft next = new Draft(state);
        if (entityIds == null) {
            next.disconnectRequested = true;
        } else {
            List<String> pending = entityIds.stream().filter(state.attached()::containsKey).toList();
            next.disconnectRequestedEntities.addAll(pending);
            if (!pending.isEmpty() && next.disconnectRequestedEntities.containsAll(state.attached().keySet())) {
                next.disconnectRequested = true;
            }
        }
        return next.decision(state, null);
    }

    private Decision disconnectDone(LifecycleState state, List<String> entityIds) {
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            // Finch's own word that the connection ended was announced first.
            return unchanged(state);
        }
        Draft next = new Draft(state);
        if (entityIds == null) {
            return next.disconnected(state, true);
        }
        next.disconnectRequestedEntities.removeAll(entityIds);
        List<String> removed = entityIds.stream().filter(state.attached()::containsKey).distinct().toList();
        if (removed.isEmpty()) {
            return next.decision(state, null);
        }
        removed.forEach(id -> {
            next.attached.remove(id);
            next.removed.add(id);
        });
        if (next.attached.isEmpty()) {
            // The last entity gone is the connection's end: one event, connection-level.
            next.moveTo(state, ConnectionStatus.DISCONNECTED);
        }
        next.events.add(0, new Disconnected(removed, true));
        return next.decision(state, null);
    }

    /** Finch did not disconnect (it refused, or was never reached): a later disconnect is Finch's own. */
    private Decision disconnectNotDone(LifecycleState state, List<String> entityIds) {
        if (state.status() == ConnectionStatus.DISCONNECTED) {
            return unchanged(state);
        }
        Draft next = new Draft(state);
        next.disconnectRequested = false;
        if (entityIds == null) {
            next.disconnectRequestedEntities.clear();
        } else {
            next.disconnectRequestedEntities.removeAll(entityIds);
        }
        return next.decision(state, null);
    }

    private static Decision unchanged(LifecycleState state) {
        return new Decision(Decision.Kind.UNCHANGED, state, List.of(), null);
    }

    /** The next state while it is being decided. */
    private static final class Draft {
        ConnectionStatus status;
        final Map<String, ConnectionStatus> attached;
        final List<String> removed;
        int episode;
        boolean episodeOpen;
        boolean episodeRequested;
        boolean disconnectRequested;
        final Set<String> disconnectRequestedEntities;
        Instant disconnectSuspectedSince;
        final int version;
        Instant lastSuccessfulSync;
        boolean stale;
        final List<LifecycleEvent> events = new ArrayList<>();

        Draft(LifecycleState state) {
            status = state.status();
            attached = new LinkedHashMap<>(state.attached());
            removed = new ArrayList<>(state.removed());
            episode = state.episode();
            episodeOpen = state.episodeOpen();
            episodeRequested = state.episodeRequested();
            disconnectRequested = state.disconnectRequested();
            disconnectRequestedEntities = new LinkedHashSet<>(state.disconnectRequestedEntities());
            disconnectSuspectedSince = state.disconnectSuspectedSince();
            version = state.version();
            lastSuccessfulSync = state.lastSuccessfulSync();
            stale = state.stale();
        }

        /**
         * The connection's status becomes {@code status}: a status that needs the employer opens an episode unless
         * one is open (a requested one becomes Finch's); {@code connected} ends Finch's episode; {@code pending} and
         * {@code processing} keep what is open, as the employer may be in Connect for it.
         */
        void moveTo(LifecycleState before, ConnectionStatus next) {
            status = next;
            if (next == ConnectionStatus.DISCONNECTED) {
                attached.replaceAll((id, entityStatus) -> ConnectionStatus.DISCONNECTED);
                stale = false;
                episodeOpen = false;
                episodeRequested = false;
                disconnectSuspectedSince = null;
            } else if (next.needsEmployer()) {
                if (!before.inEpisode()) {
                    episode++;
                    events.add(new ReauthNeeded(false, concerned()));
                }
                episodeOpen = true;
                episodeRequested = false;
            } else if (next == ConnectionStatus.CONNECTED && (before.status().needsEmployer() || before.episodeOpen())) {
                episodeOpen = false;
                events.add(new Reauthenticated());
            }
        }

        Decision disconnected(LifecycleState before, boolean byOperator) {
            List<String> entityIds = List.copyOf(attached.keySet());
            moveTo(before, ConnectionStatus.DISCONNECTED);
            events.add(new Disconnected(entityIds, byOperator));
            return decision(before, null);
        }

        private List<String> concerned() {
            return state().concernedEntities();
        }

        LifecycleState state() {
            return new LifecycleState(status, attached, removed, episode, episodeOpen, episodeRequested,
                    disconnectRequested, disconnectRequestedEntities, disconnectSuspectedSince, version, lastSuccessfulSync,
                    stale);
        }

        Decision decision(LifecycleState before, Duration askAgainIn) {
            LifecycleState after = state();
            boolean changed = !after.equals(before) || !events.isEmpty();
            return new Decision(changed ? Decision.Kind.CHANGED : Decision.Kind.UNCHANGED, after, events, askAgainIn);
        }
    }
}
