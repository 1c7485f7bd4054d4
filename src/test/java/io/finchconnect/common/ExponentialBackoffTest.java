package io.finchconnect.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.RepeatedTest;

import io.finchconnect.common.backoff.ExponentialBackoff;

class ExponentialBackoffTest {

    @RepeatedTest(20)
    void pausesDoubleUpToTheMaximumWithHalfOfEachRandom() {
        ExponentialBackoff backoff = new ExponentialBackoff(Duration.ofMillis(100), Duration.ofMillis(800));
        long[] bases = { 100, 200, 400, 800, 800 };
        for (long base : bases) {
            assertThat(backoff.next().toMillis()).isBetween(base / 2, base);
        }
        backoff.reset();
        assertThat(backoff.next().toMillis()).isBetween(50L, 100L);
    }

    @RepeatedTest(20)
    void pausesForCountedAttemptsFollowTheSameCurve() {
        assertThat(ExponentialBackoff.forAttempt(Duration.ofSeconds(1), Duration.ofMinutes(5), 0).toMillis()).isBetween(500L, 1000L);
        assertThat(ExponentialBackoff.forAttempt(Duration.ofSeconds(1), Duration.ofMinutes(5), 3).toMillis()).isBetween(4000L, 8000L);
        assertThat(ExponentialBackoff.forAttempt(Duration.ofSeconds(1), Duration.ofMinutes(5), 99).toMillis())
                .isBetween(150_000L, 300_000L);
    }
}
