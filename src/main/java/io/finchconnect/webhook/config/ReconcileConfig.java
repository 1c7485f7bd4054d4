package io.finchconnect.webhook.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Reconciliation: Finch has no webhook replay, so every live connection is introspected at least once per
 * interval, spread over it, within a rate Finch's limits allow.
 */
@ConfigMapping(prefix = "reconcile")
public interface ReconcileConfig {

    @WithDefault("true")
    boolean enabled();

    /** Every live connection is introspected at least this often. */
    @WithDefault("24h")
    Duration interval();

    /** At most this many reconciliation introspections per second, per instance. */
    @WithDefault("5")
    double maxPerSecond();

    /** How often the reconciler hands due connections to the inbox. */
    @WithDefault("1s")
    Duration tick();
}
