package io.finchconnect.lifecycle;

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

    private static final Comparator<ConnectionStatus> BY_SEVERITY = Comparator.comparing(SEVERITY::get);

    private static ConnectionStatus worst(ConnectionStatus a, ConnectionStatus b) {
        return BY_SEVERITY.compare(a, b) >= 0 ? a : b;
    }
}
