package io.finchconnect.finch.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Finch's retry rules as the official SDK's client.ts applies them (except 501, final per docs/finch.md). */
class FinchRetryRulesTest {

    private static final Instant NOW = Instant.parse("2026-12-02T01:00:00Z");

    @Test
    void xShouldRetryDecidesWhenPresent() {
        assertThat(FinchResponses.shouldRetry(400, "true")).isTrue();
        assertThat(FinchResponses.shouldRetry(503, "false")).isFalse();
        assertThat(FinchResponses.shouldRetry(501, "true")).isTrue();
    }

    @Test
    void withoutItFinchsRetryStatusesAreRetriedAndOthersAreNot() {
        for (int status : new int[] { 408, 409, 429, 500, 502, 503, 504 }) {
            assertThat(FinchResponses.shouldRetry(status, null)).as("HTTP %d", status).isTrue();
        }
        for (int status : new int[] { 400, 401, 403, 404, 422, 501 }) {
            assertThat(FinchResponses.shouldRetry(status, null)).as("HTTP %d", status).isFalse();
        }
        assertThat(FinchResponses.shouldRetry(503, "maybe")).as("an unknown value is ignored").isTrue();
    }

    @Test
    void retryAfterMsComesFirstThenRetryAfterInSecondsWithFractionsOrAnHttpDate() {
        assertThat(RetryAfterHeader.delay("1500", "9", NOW)).isEqualTo(Duration.ofMillis(1500));
        assertThat(RetryAfterHeader.delay("250.5", null, NOW)).isEqualTo(Duration.ofMillis(251));
        assertThat(RetryAfterHeader.delay(null, "2", NOW)).isEqualTo(Duration.ofSeconds(2));
        assertThat(RetryAfterHeader.delay(null, "0.25", NOW)).isEqualTo(Duration.ofMillis(250));
        assertThat(RetryAfterHeader.delay(null, "Wed, 02 Dec 2026 01:00:03 GMT", NOW)).isEqualTo(Duration.ofSeconds(3));
        assertThat(RetryAfterHeader.delay(null, "Wed, 02 Dec 2026 00:59:00 GMT", NOW)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfterHeader.delay("soon", "-1", NOW)).isNull();
        assertThat(RetryAfterHeader.delay(null, null, NOW)).isNull();
        assertThat(RetryAfterHeader.delay(null, "99999999999", NOW)).isEqualTo(Duration.ofDays(1));
    }
}
