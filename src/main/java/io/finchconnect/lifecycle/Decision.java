package io.finchconnect.lifecycle;

import java.time.Duration;
import java.util.List;

/**
 * What one input does to a connection: the state to store and the events to publish with it, in this order, in
 * the same transaction; and whether Finch is to be asked again.
 *
 * @param askAgainIn null: settled; otherwise ask Finch again after this long (zero: at once)
 */
public record Decision(Kind kind, LifecycleState state, List<LifecycleEvent> events, Duration askAgainIn) {

    /**
     * {@code STALE}: an answer of Finch asked before a change committed since, not applied. {@code REFUSED}: the input
     * cannot apply to the connection as it stands (a disconnected connection's reauthentication).
     */
    public enum Kind { UNCHANGED, CHANGED, STALE, REFUSED }

    public Decision {
        events = List.copyOf(events);
    }

    /** The input opened a reauth episode. */
    public boolean opensEpisode(LifecycleState before) {
        return state.episode() > before.episode();
    }

    /** The input ended the reauth episode. */
    public boolean closesEpisode() {
        return events.stream().anyMatch(LifecycleEvent.Reauthenticated.class::isInstance);
    }
}
