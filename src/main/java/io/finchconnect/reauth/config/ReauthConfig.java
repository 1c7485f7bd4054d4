package io.finchconnect.reauth.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How reauthentication sessions are created after a connection enters reauth, and retried until Finch
 * answers.
 */
@ConfigMapping(prefix = "reauth")
public interface ReauthConfig {

    /** How often every instance looks for connections in reauth still without this episode's session. */
    @WithDefault("5s")
    Duration sweepInterval();

    /** Connections handled per sweep. */
    @WithDefault("20")
    int sweepBatchSize();

    /** How long one instance holds a connection while it asks Finch, so no other asks at the same time. */
    @WithDefault("2m")
    Duration lease();

    @WithDefault("1s")
    Duration backoffInitial();

    @WithDefault("5m")
    Duration backoffMax();

    /**
     * After an outcome that leaves open whether Finch made a session (a timeout, a 5xx other than 503, a dropped
     * connection, a crash mid-call), how long before one is asked for again for the same episode.
     */
    @WithDefault("1h")
    Duration uncertainRetryAfter();

    /** How often the sessions kept for adopting stranded connections are deleted once expired. */
    @WithDefault("1h")
    Duration adoptionCleanupInterval();

    /** Lifetime of a reauthentication session (Finch's default is 43,200 minutes, 30 days). */
    @WithDefault("43200")
    int minutesToExpire();
    /**
     * How long after Finch first refused a connection's token (a Finch-shaped 401 at /introspect other than
     * reauthenticate_user) a second refusal ends the connection; Finch's own webhook saying disconnected ends it
     * at once.
     */
    @WithDefault("30s")
    Duration disconnectConfirmationDelay();
}
