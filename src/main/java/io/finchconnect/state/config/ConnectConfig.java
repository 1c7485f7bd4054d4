package io.finchconnect.state.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The redirect flow: the key that signs our {@code state}, and where the callback sends the employer's
 * browser afterwards.
 */
@ConfigMapping(prefix = "connect")
public interface ConnectConfig {

    /** Base64, at least 256 bits. Rotating it invalidates links handed out before. */
    String stateKey();

    /** Where the callback redirects (303) with the outcome; without it the callback answers a small page. */
    Optional<URI> returnUrl();

    /** How often expired used states are deleted from {@code consumed_states}. */
    @WithDefault("10m")
    Duration consumedStateCleanupInterval();

    /** At most this many rows per delete statement. */
    @WithDefault("1000")
    int consumedStateCleanupBatchSize();

    /**
     * How long the write of a connection Finch granted is retried while PostgreSQL is unavailable, before the
     * employer is told to try again later (the code is spent then, so the grant is the only copy of the token).
     */
    @WithDefault("10s")
    Duration grantWriteRetryFor();
}
