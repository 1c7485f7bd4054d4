package io.finchconnect.connection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The status of a multi-entity connection from its entities' statuses: the worst among the entities still
 * attached, disconnected ones aside, and {@code disconnected} once all are. Worst means furthest from working
 * without the employer: a status that needs the employer back outranks one Finch is still setting up, which
 * outranks {@code connected}; among the first, {@code reauth} (credentials) before {@code error_permissions}
 * before {@code error_no_account_setup}, the order in which an employer back in Connect fixes them.
 */
public final class EntityStatuses {

    /** An entity as Finch's introspection gives it. */
    public record Entity(String entityId, ConnectionStatus status) {
    }

    private static final Map<ConnectionStatus, Integer> SEVERITY = Map.of(
            ConnectionStatus.CONNECTED, 0,
            ConnectionStatus.PENDING, 1,
            ConnectionStatus.PROCESSING, 2,
            ConnectionStatus.ERROR_NO_ACCOUNT_SETUP, 3,
            ConnectionStatus.ERROR_PERMISSIONS, 4,
            ConnectionStatus.REAUTH, 5,
            ConnectionStatus.DISCONNECTED, 6);

    private EntityStatuses() {
    }

    /**
     * The connection's status: Finch's connection-level status when it names no entities; otherwise the worst
     * of that status and the attached entities' ones, or {@code disconnected} when every entity is.
     */
    public static ConnectionStatus overall(ConnectionStatus connectionLevel, List<Entity> entities) {
        if (connectionLevel == ConnectionStatus.DISCONNECTED || entities.isEmpty()) {
            return connectionLevel;
        }
        List<ConnectionStatus> attached = entities.stream().map(Entity::status)
                .filter(status -> status != ConnectionStatus.DISCONNECTED).toList();
        if (attached.isEmpty()) {
            return ConnectionStatus.DISCONNECTED;
        }
        return worst(connectionLevel, attached.stream().max(BY_SEVERITY).orElseThrow());
    }

    /**
     * The entities a {@code reauth_needed} event names, from the stored aligned arrays: those whose status needs
     * the employer, or all of them when none does (Finch's connection-level status needed the employer).
     */
    public static List<String> concerned(String[] entityIds, String[] statuses) {
        List<String> needing = java.util.stream.IntStream.range(0, Math.min(entityIds.length, statuses.length))
                .filter(i -> statuses[i] != null && ConnectionStatus.fromFinch(statuses[i]).map(ConnectionStatus::needsEmployer).orElse(false))
                .mapToObj(i -> entityIds[i]).toList();
        return needing.isEmpty() ? List.of(entityIds) : needing;
    }

    /** Finch's status of each of {@code entityIds} (null where Finch named it not), in their order. */
    public static String[] alignedWith(String[] entityIds, List<Entity> entities) {
        String[] statuses = new String[entityIds.length];
        for (int i = 0; i < entityIds.length; i++) {
            String id = entityIds[i];
            statuses[i] = entities.stream().filter(entity -> entity.entityId().equals(id)).findFirst()
                    .map(entity -> entity.status().finchName()).orElse(null);
        }
        return statuses;
    }

    /**
     * The statuses of {@code keptIds}, a subset of {@code entityIds} after some were removed, each one's own: the
     * arrays are aligned by position, so the statuses follow their ids, never their places.
     */
    public static String[] ofRemaining(String[] entityIds, String[] statuses, String[] keptIds) {
        String[] kept = new String[keptIds.length];
        for (int i = 0; i < keptIds.length; i++) {
            int at = List.of(entityIds).indexOf(keptIds[i]);
            kept[i] = at >= 0 && at < statuses.length ? statuses[at] : null;
        }
        return kept;
    }

    /** Every one of {@code entityIds} with {@code status}. */
    public static String[] all(String[] entityIds, ConnectionStatus status) {
        String[] statuses = new String[entityIds.length];
        Arrays.fill(statuses, status.finchName());
        return statuses;
    }

    /** The entities of {@code entityIds} that were attached before and that Finch now gives as disconnected. */
    public static List<String> newlyDisconnected(String[] entityIds, String[] before, String[] after) {
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < entityIds.length; i++) {
            String was = i < before.length ? before[i] : null;
            if (i < after.length && ConnectionStatus.DISCONNECTED.finchName().equals(after[i])
                    && !ConnectionStatus.DISCONNECTED.finchName().equals(was)) {
                gone.add(entityIds[i]);
            }
        }
        return gone;
    }

    private static final Comparator<ConnectionStatus> BY_SEVERITY = Comparator.comparing(SEVERITY::get);

    private static ConnectionStatus worst(ConnectionStatus a, ConnectionStatus b) {
        return BY_SEVERITY.compare(a, b) >= 0 ? a : b;
    }
}
