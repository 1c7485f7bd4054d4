package io.finchconnect.lifecycle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A connection as its lifecycle sees it.
 *
 * @param status                      the connection's status: Finch's, or {@code disconnected} once it ended
 * @param attached                    the entities the connection still gives access to, keyed by id, each with
 *                                    the status Finch last gave it
 * @param removed                     entities disconnected one by one while the connection stayed
 * @param episode                     how many reauth episodes were opened: each gets its own session
 * @param episodeOpen                 Finch's statuses opened an episode that has not yet ended in {@code connected}
 * @param episodeRequested            an episode asked for through the API, on a connection that did not need the
 *                                    employer, is open
 * @param disconnectRequested         an operator asked Finch to end the connection and its answer is not known
 * @param disconnectRequestedEntities entities an operator asked Finch to remove, answer not known
 * @param disconnectSuspectedSince    when Finch first refused the connection's token (a Finch-shaped 401 that is
 *                                    not {@code reauthenticate_user}), until confirmed or contradicted
 * @param version                     the row's version: grows with every committed change of the above
 * @param lastSuccessfulSync          Finch's {@code last_successful_sync} as last observed (null: unknown)
 * @param stale                       a stale spell is on: the last successful sync is older than the threshold
 */
public record LifecycleState(ConnectionStatus status, Map<String, ConnectionStatus> attached, List<String> removed,
                             int episode, boolean episodeOpen, boolean episodeRequested, boolean disconnectRequested,
                             Set<String> disconnectRequestedEntities, Instant disconnectSuspectedSince, int version,
                             Instant lastSuccessfulSync, boolean stale) {

    public LifecycleState {
        attached = Collections.unmodifiableMap(new LinkedHashMap<>(attached));
        removed = List.copyOf(removed);
        disconnectRequestedEntities = Collections.unmodifiableSet(new LinkedHashSet<>(disconnectRequestedEntities));
    }

    /** A connection Finch just granted: every entity connected, nothing open or asked for. */
    public static LifecycleState established(List<String> entityIds) {
        Map<String, ConnectionStatus> attached = new LinkedHashMap<>();
        entityIds.forEach(id -> attached.put(id, ConnectionStatus.CONNECTED));
        return new LifecycleState(ConnectionStatus.CONNECTED, attached, List.of(), 0, false, false, false, Set.of(),
                null, 0, null, false);
    }

    /** The same state at another version of its row. */
    public LifecycleState withVersion(int newVersion) {
        return new LifecycleState(status, attached, removed, episode, episodeOpen, episodeRequested, disconnectRequested,
                disconnectRequestedEntities, disconnectSuspectedSince, newVersion, lastSuccessfulSync, stale);
    }

    /**
     * Whether {@code next} changes more than what Finch reports of the connection's syncs (the last successful sync,
     * and with it the stale flag): an observation that only moved those was noted, not applied.
     */
    public boolean changedBeyondSyncs(LifecycleState next) {
        return !new LifecycleState(next.status, next.attached, next.removed, next.episode, next.episodeOpen,
                next.episodeRequested, next.disconnectRequested, next.disconnectRequestedEntities,
                next.disconnectSuspectedSince, next.version, lastSuccessfulSync, stale).equals(this);
    }

    /** Whether an episode is open: the connection needs the employer, or Finch's or the API's episode has not ended. */
    public boolean inEpisode() {
        return status.needsEmployer() || episodeOpen || episodeRequested;
    }

    /**
     * Where the connection stands, entity by entity: the attached ones with their statuses ({@code disconnected}
     * once the connection is), then the removed ones.
     */
    public List<EntityStatuses.Entity> entities() {
        List<EntityStatuses.Entity> entities = new ArrayList<>();
        attached.forEach((id, entityStatus) -> entities.add(new EntityStatuses.Entity(id,
                status == ConnectionStatus.DISCONNECTED ? ConnectionStatus.DISCONNECTED : entityStatus)));
        removed.forEach(id -> entities.add(new EntityStatuses.Entity(id, ConnectionStatus.DISCONNECTED)));
        return List.copyOf(entities);
    }

    /**
     * The entities a {@code reauth_needed} names: the attached ones whose status needs the employer, or all of them
     * when none does (Finch's connection-level status, or the API, asked for the employer).
     */
    public List<String> concernedEntities() {
        List<String> needing = attached.entrySet().stream().filter(entry -> entry.getValue().needsEmployer())
                .map(Map.Entry::getKey).toList();
        return needing.isEmpty() ? List.copyOf(attached.keySet()) : needing;
    }
}
