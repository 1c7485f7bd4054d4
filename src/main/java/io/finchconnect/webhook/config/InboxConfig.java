package io.finchconnect.webhook.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How the inbox processor works off stored Finch events, and how long handled events are kept.
 */
@ConfigMapping(prefix = "inbox")
public interface InboxConfig {

    /** How often every instance looks for connections with events waiting (an intake also wakes it at once). */
    @WithDefault("1s")
    Duration pollInterval();

    /**
     * The shortest time between the starts of two runs (a run is rounds until one finds less than a full round):
     * wake-ups sooner than that, from intakes or the poll, start the next run when it has passed.
     */
    @WithDefault("250ms")
    Duration minWakeInterval();

    /** Connections leased per round; a full round is followed by another at once. */
    @WithDefault("64")
    int connectionsPerRound();

    /** Events of one connection answered by one introspection. */
    @WithDefault("1000")
    int eventsPerConnection();

    /** Connections introspected at the same time by one instance. */
    @WithDefault("16")
    int concurrency();

    /** How long an instance holds a connection; a holder that outlives it is fenced off at commit. */
    @WithDefault("1m")
    Duration lease();

    /** How long events for a connection not stored yet (a webhook racing the callback) are retried. */
    @WithDefault("10m")
    Duration unknownConnectionRetry();

    @WithDefault("1s")
    Duration backoffInitial();

    @WithDefault("5m")
    Duration backoffMax();

    /** Handled events (and so their ids, the de-duplication) are deleted after this; longer than Finch retries. */
    @WithDefault("7d")
    Duration retention();

    @WithDefault("1m")
    Duration cleanupInterval();

    @WithDefault("1000")
    int cleanupBatchSize();

    /** How often the backlog gauges are read from the table. */
    @WithDefault("5s")
    Duration statsInterval();
}
