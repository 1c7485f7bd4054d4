package io.finchconnect.reauth;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Reauth episodes opened and closed, and the time from detection to {@code reauthenticated}. */
@ApplicationScoped
public class ReauthMetrics {

    private final Counter opened;
    private final Counter closed;
    private final Timer toReauthenticated;

    ReauthMetrics(MeterRegistry registry) {
        opened = Counter.builder("reauth.episodes.opened").description("Connections that began to need the employer back")
                .register(registry);
        closed = Counter.builder("reauth.episodes.closed").description("Reauth episodes ended by reauthenticated")
                .register(registry);
        toReauthenticated = Timer.builder("reauth.time.to.reauthenticated")
                .description("From detection of a reauth episode to reauthenticated").publishPercentileHistogram()
                .register(registry);
    }

    void opened() {
        opened.increment();
    }

    void closed(Duration sinceDetection) {
        closed.increment();
        if (sinceDetection != null && !sinceDetection.isNegative()) {
            toReauthenticated.record(sinceDetection);
        }
    }
}
