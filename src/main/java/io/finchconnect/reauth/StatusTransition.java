package io.finchconnect.reauth;

import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.connection.events.ConnectionEvents;

/**
 * What the status Finch gives now (its introspection) does to a connection: nothing when it changes nothing,
 * otherwise a new status and, for the transitions the platform cares about, the event type to publish. No
 * time takes part: a webhook carries none, and Finch's answer is the present.
 */
public record StatusTransition(Kind kind, ConnectionStatus from, ConnectionStatus to, String eventType) {

    /** {@code STALE}: Finch's answer was asked before a change committed since, so it was not applied. */
    public enum Kind { UNCHANGED, APPLIED, STALE }

    /** Finch's answer is older than the connection's last change: nothing applied, Finch is asked again. */
    public static StatusTransition stale(ConnectionStatus current) {
        return new StatusTransition(Kind.STALE, current, current, null);
    }

    /**
     * {@code episodeOpen}: a reauth episode that Finch's statuses opened has not yet ended in {@code connected}
     * (the connection may show {@code pending} or {@code processing} meanwhile); a status that needs the employer
     * always has one open.
     */
    public static StatusTransition decide(ConnectionStatus current, ConnectionStatus next, boolean episodeOpen) {
        // Disconnected is final: Finch has no reconnect, a new connection gets a new id.
        if (current == ConnectionStatus.DISCONNECTED) {
            return new StatusTransition(Kind.UNCHANGED, current, current, null);
        }
        if (next == current) {
            return new StatusTransition(Kind.UNCHANGED, current, current, null);
        }
        return new StatusTransition(Kind.APPLIED, current, next, eventFor(next, episodeOpen || current.needsEmployer()));
    }

    /**
     * Moving among the statuses that need the employer, or through {@code pending} and {@code processing} while
     * the employer works in Connect, keeps the episode (and its session): no new event.
     */
    private static String eventFor(ConnectionStatus next, boolean episodeOpen) {
        if (next.needsEmployer() && !episodeOpen) {
            return ConnectionEvents.REAUTH_NEEDED;
        }
        if (next == ConnectionStatus.DISCONNECTED) {
            return ConnectionEvents.DISCONNECTED;
        }
        if (episodeOpen && next == ConnectionStatus.CONNECTED) {
            return ConnectionEvents.REAUTHENTICATED;
        }
        return null;
    }

    /** A new reauth episode begins: the connection needs the employer back and no episode was open. */
    public boolean entersReauth() {
        return ConnectionEvents.REAUTH_NEEDED.equals(eventType);
    }

    /** The employer came back: the episode ends. */
    public boolean endsReauth() {
        return ConnectionEvents.REAUTHENTICATED.equals(eventType);
    }
}
