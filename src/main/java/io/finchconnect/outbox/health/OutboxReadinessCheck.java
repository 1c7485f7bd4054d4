package io.finchconnect.outbox.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.finchconnect.outbox.OutboxMetrics;
import io.finchconnect.outbox.config.OutboxConfig;

/**
 * Not ready while events wait in the outbox longer than the configured threshold: the platform would be
 * told about state changes too late.
 */
@Readiness
@ApplicationScoped
public class OutboxReadinessCheck implements HealthCheck {

    private final OutboxMetrics metrics;
    private final OutboxConfig config;

    OutboxReadinessCheck(OutboxMetrics metrics, OutboxConfig config) {
        this.metrics = metrics;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        Duration age = metrics.oldestPendingAge();
        return HealthCheckResponse.named("outbox")
                .status(age.compareTo(config.readinessMaxPendingAge()) <= 0)
                .withData("pending", metrics.stats().pending())
                .withData("oldest_pending_age_seconds", age.toSeconds())
                .withData("parked", metrics.stats().parked())
                .build();
    }
}
