package io.finchconnect.link.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Durable connect links ({@code GET /connect/{link}}): their lifetime, the visits' limits and their Finch calls. */
@ConfigMapping(prefix = "connect-links")
public interface ConnectLinkConfig {

    /** The public origin the links are built on; without it, the origin of the first allowed redirect URI. */
    Optional<URI> baseUrl();

    /** Lifetime of a link created through the API when the request names none. */
    @WithDefault("7")
    int defaultExpiryDays();

    /** Longest lifetime of a link created through the API, and of an episode's link. */
    @WithDefault("30")
    int maxExpiryDays();

    /** Visits of one link per minute, across replicas; more get a 429 page. */
    @WithDefault("60")
    int visitsPerLinkPerMinute();

    /** Visits from one client address per minute, across replicas; more get a 429 page. */
    @WithDefault("120")
    int visitsPerAddressPerMinute();

    /** Visits ask Finch for a customer's session at most once per this interval. */
    @WithDefault("10s")
    Duration finchCallInterval();

    /** How long a visit that did not ask Finch waits for the session another visit asked for. */
    @WithDefault("5s")
    Duration sessionWait();

    /** How often past minutes' visit counts are deleted. */
    @WithDefault("5m")
    Duration visitCountCleanupInterval();
}
