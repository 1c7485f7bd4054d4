package io.finchconnect.webhook;

/**
 * What became of an incoming Finch event; stored with the event id and answered to the sender.
 */
public enum IncomingOutcome {
    /** The connection's status changed (and its event was written when the change has one). */
    APPLIED,
    /** The status reported is the one the connection already has. */
    UNCHANGED,
    UNKNOWN_CONNECTION,
    /** Finch gave no status this service can apply (it refused the introspection, or the token is unusable). */
    UNVERIFIED,
    /** Authentic but of no concern to this service (no status, or a status this service does not know). */
    IGNORED,
    /** Authentic but not readable as a Finch event; retrying would not change that. */
    REJECTED,
    /** Seen before under the same event id: already handled. */
    DUPLICATE;

    public String label() {
        return name().toLowerCase();
    }
}
