package io.finchconnect.outbox.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the outbox relay, its retention and its health threshold (README, "Configuration").
 */
@ConfigMapping(prefix = "outbox")
public interface OutboxConfig {

    /** Kafka topic the events go to. */
    @WithDefault("finch.connection-events")
    String topic();

    /** Whether this instance takes part in relaying (one instance leads at a time). */
    @WithDefault("true")
    boolean relayEnabled();

    /** Rows claimed and sent per relay cycle. */
    @WithDefault("500")
    int batchSize();

    /** Poll interval when no notification arrives; also how often standby instances try to lead. */
    @WithDefault("1s")
    Duration pollInterval();

    /** Claims of a row (counted when claimed) after which a row that still fails is parked. */
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

    /** How long sent rows are kept before deletion. */
    @WithDefault("24h")
    Duration retention();

    @WithDefault("1m")
    Duration cleanupInterval();

    /** Rows deleted per statement, so retention never holds long locks. */
    @WithDefault("1000")
    int cleanupBatchSize();

    /** How often every instance reads the backlog for metrics and readiness. */
    @WithDefault("5s")
    Duration statsInterval();

    /** Readiness turns DOWN when the oldest pending row is older than this. */
    @WithDefault("5m")
    Duration readinessMaxPendingAge();
}
