package io.finchconnect.connection;

import java.time.OffsetDateTime;

/**
 * What a status reported by Finch (or by a service that saw Finch's {@code reauthenticate_user}) does to a
 * connection: nothing when it is older than the status we hold, nothing when it changes nothing, otherwise a
 * new status and, for the transitions the platform cares about, the event type to publish.
 */
public record StatusTransition(Kind kind, ConnectionStatus from, ConnectionStatus to, String eventType) {

    public enum Kind { STALE, UNCHANGED, APPLIED }

    public static final String REAUTH_NEEDED = "finch.connection.reauth_needed";
    public static final String REAUTHENTICATED = "finch.connection.reauthenticated";
    public static final String DISCONNECTED = "finch.connection.disconnected";

    public static StatusTransition decide(ConnectionStatus current, OffsetDateTime currentSince, ConnectionStatus next,
                                          OffsetDateTime observedAt) {
        // Finch retries and replays deliveries: an event older than the status we hold must not undo it.
        if (observedAt.isBefore(currentSince)) {
            return new StatusTransition(Kind.STALE, current, current, null);
        }
        if (next == current) {
            return new StatusTransition(Kind.UNCHANGED, current, current, null);
        }
        return new StatusTransition(Kind.APPLIED, current, next, eventFor(current, next));
    }

    private static String eventFor(ConnectionStatus current, ConnectionStatus next) {
        if (next == ConnectionStatus.REAUTH) {
            return REAUTH_NEEDED;
        }
        if (next == ConnectionStatus.DISCONNECTED) {
            return DISCONNECTED;
        }
        if (current == ConnectionStatus.REAUTH && next == ConnectionStatus.CONNECTED) {
            return REAUTHENTICATED;
        }
        return null;
    }

    public boolean entersReauth() {
        return kind == Kind.APPLIED && to == ConnectionStatus.REAUTH;
    }
}
