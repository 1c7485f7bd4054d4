package io.finchconnect.finch.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How this service talks to Finch and what it accepts from Finch. Secrets here never reach logs.
 */
@ConfigMapping(prefix = "finch")
public interface FinchConfig {

    /** Finch's API, e.g. https://api.tryfinch.com, or the simulator. */
    URI baseUrl();

    String clientId();

    String clientSecret();

    /** Base64 webhook signing secrets; several during a rotation, any one may match. */
    List<String> webhookSecrets();

    /** Redirect URIs callers may ask for; Finch must know the same ones. */
    List<String> redirectUris();

    @WithDefault("2020-09-17")
    String apiVersion();

    /** Longest wait for one attempt of a Finch call, from sending to the parsed answer. */
    @WithDefault("10s")
    Duration requestTimeout();

    /** Longest wait for a TCP connection to Finch. */
    @WithDefault("3s")
    Duration connectTimeout();

    /**
     * Connections to Finch kept per instance, hence Finch calls in flight at once; further calls wait for one.
     * Each call holds its connection for Finch's whole latency, so throughput is at most this over the latency.
     */
    @WithDefault("1000")
    int connectionPoolSize();

    /** {@code host:port} of the HTTP proxy (CONNECT) that every call to Finch goes through; none: direct. */
    Optional<String> proxyAddress();

    /** Hosts reached directly despite the proxy, {@code |}-separated, {@code *} as a wildcard. */
    Optional<String> nonProxyHosts();

    Retry retry();

    CircuitBreaker circuitBreaker();

    /** Retries of idempotent calls (never of the code exchange). */
    interface Retry {

        /** Retries after the first attempt. */
        @WithDefault("2")
        int maxRetries();

        /** First backoff; it doubles per retry, jittered, up to {@link #maxDelay()}. */
        @WithDefault("250ms")
        Duration initialDelay();

        @WithDefault("5s")
        Duration maxDelay();

        /** A Retry-After longer than this is not waited for in-request: the caller gets 503 with the hint. */
        @WithDefault("10s")
        Duration maxRetryAfter();
    }

    /** One breaker for all of Finch: an outage shows on every endpoint alike. */
    interface CircuitBreaker {

        /** Attempts in the rolling window the failure ratio is computed over. */
        @WithDefault("20")
        int requestVolumeThreshold();

        @WithDefault("0.5")
        double failureRatio();

        /** How long the breaker stays open before letting trial calls through. */
        @WithDefault("10s")
        Duration delay();

        /** Successful trial calls that close it again. */
        @WithDefault("2")
        int successThreshold();
    }
}
