package io.finchconnect.outbox.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the outbox relay, its partition leases and its retention (docs/configuration.md).
 */
@ConfigMapping(prefix = "outbox")
public interface OutboxConfig {

    /** Kafka topic the events go to. */
    @WithDefault("finch.connection-events")
    String topic();

    /** Whether this instance takes part in relaying (the live relays share the outbox's partitions). */
    @WithDefault("true")
    boolean relayEnabled();

    /** Rows claimed and sent per relay cycle. */
    @WithDefault("500")
    int batchSize();

    /** Poll interval when no notification arrives. */
    @WithDefault("1s")
    Duration pollInterval();

    /** Failures of the row itself (Kafka refused that record) after which it is parked; outages do not count. */
    @WithDefault("5")
    int maxAttempts();

    /** First pause after a cycle failed because Kafka or PostgreSQL was unavailable; doubles up to the max. */
    @WithDefault("200ms")
    Duration backoffInitial();

    @WithDefault("30s")
    Duration backoffMax();

    /** Upper bound for one record's delivery (Kafka's delivery.timeout.ms). */
    @WithDefault("30s")
    Duration sendTimeout();

    /** How long sent rows are kept; 0 deletes each row when Kafka acknowledged it (one write per row). */
    @WithDefault("0s")
    Duration retention();

    /** How long rows an operator skipped are kept, as the audit of the gap. */
    @WithDefault("30d")
    Duration skippedRetention();

    /** How long a partition stays this instance's without a heartbeat: a frozen or dead instance loses it after. */
    @WithDefault("15s")
    Duration leaseDuration();

    /** How often each relay renews its leases and rebalances; at most half of the lease duration. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    @WithDefault("1m")
    Duration cleanupInterval();

    /** Rows deleted per statement, so retention never holds long locks. */
    @WithDefault("1000")
    int cleanupBatchSize();

    /** How often every instance reads the backlog for the metrics. */
    @WithDefault("5s")
    Duration statsInterval();
}
