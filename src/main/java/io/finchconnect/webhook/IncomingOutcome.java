package io.finchconnect.webhook;

/**
 * What became of an incoming Finch event. The intake answers {@code accepted}, {@code duplicate} or
 * {@code rejected}; the processor then records what Finch's answer did.
 */
public enum IncomingOutcome {
    /** Stored in the inbox, waiting for the processor. */
    ACCEPTED,
    /** Seen before under the same event id: stored once, handled once. */
    DUPLICATE,
    /** Authentic but not readable as a Finch event; retrying would not change that. */
    REJECTED,
    /** The connection's status changed to what Finch gives (and its event was written when the change has one). */
    APPLIED,
    /** Finch gives the status the connection already has. */
    UNCHANGED,
    /** No connection with this id was stored within the retry time. */
    UNKNOWN_CONNECTION,
    /** Finch gave no status this service can apply (it refused the introspection, or the token is unusable). */
    UNVERIFIED,
    /** Authentic but of no concern to this service (no status). */
    IGNORED;

    public String label() {
        return name().toLowerCase();
    }
}
