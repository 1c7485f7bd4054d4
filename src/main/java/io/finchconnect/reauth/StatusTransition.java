package io.finchconnect.reauth;

import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.connection.events.ConnectionEvents;

/**
 * What the status Finch gives now (its introspection) does to a connection: nothing when it changes nothing,
 * otherwise a new status and, for the transitions the platform cares about, the event type to publish. No
 * time takes part: a webhook carries none, and Finch's answer is the present.
 */
public record StatusTransition(Kind kind, ConnectionStatus from, ConnectionStatus to, String eventType) {

    public enum Kind { UNCHANGED, APPLIED }

    public static StatusTransition decide(ConnectionStatus current, ConnectionStatus next) {
        // Disconnected is final: Finch has no reconnect, a new connection gets a new id.
        if (current == ConnectionStatus.DISCONNECTED) {
            return new StatusTransition(Kind.UNCHANGED, current, current, null);
        }
        if (next == current) {
            return new StatusTransition(Kind.UNCHANGED, current, current, null);
        }
        return new StatusTransition(Kind.APPLIED, current, next, eventFor(current, next));
    }

    /** Moving among the statuses that need the employer keeps the episode (and its session): no new event. */
    private static String eventFor(ConnectionStatus current, ConnectionStatus next) {
        if (next.needsEmployer() && !current.needsEmployer()) {
            return ConnectionEvents.REAUTH_NEEDED;
        }
        if (next == ConnectionStatus.DISCONNECTED) {
            return ConnectionEvents.DISCONNECTED;
        }
        if (current.needsEmployer() && next == ConnectionStatus.CONNECTED) {
            return ConnectionEvents.REAUTHENTICATED;
        }
        return null;
    }

    /** A new reauth episode begins: the connection needs the employer back and did not before. */
    public boolean entersReauth() {
        return kind == Kind.APPLIED && to.needsEmployer() && !from.needsEmployer();
    }

    /** The employer came back: the episode ends. */
    public boolean endsReauth() {
        return kind == Kind.APPLIED && from.needsEmployer() && to == ConnectionStatus.CONNECTED;
    }
}
