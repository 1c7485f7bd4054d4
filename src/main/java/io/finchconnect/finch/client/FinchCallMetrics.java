package io.finchconnect.finch.client;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;

/**
 * Times every attempt of a Finch call as {@code finch.client.requests}, tagged by endpoint and outcome, so
 * calls, errors and latency per endpoint are all read from one meter.
 */
@ApplicationScoped
public class FinchCallMetrics {

    public static final String METER = "finch.client.requests";

    private final MeterRegistry registry;

    FinchCallMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    <T> Uni<T> timed(FinchEndpoint endpoint, Uni<T> attempt) {
        return Uni.createFrom().deferred(() -> {
            Timer.Sample sample = Timer.start(registry);
            return attempt
                    .onItemOrFailure().invoke((item, failure) -> sample.stop(timer(endpoint, outcome(failure))))
                    .onCancellation().invoke(() -> sample.stop(timer(endpoint, "cancelled")));
        });
    }

    static String outcome(Throwable failure) {
        if (failure == null) {
            return "success";
        }
        if (failure instanceof FinchRejectedException) {
            return "rejected";
        }
        if (failure instanceof FinchRateLimitedException) {
            return "rate_limited";
        }
        if (failure instanceof FinchUnavailableException) {
            return "unavailable";
        }
        if (failure instanceof TimeoutException) {
            return "timeout";
        }
        if (failure instanceof CircuitBreakerOpenException) {
            return "circuit_open";
        }
        return "error";
    }

    private Timer timer(FinchEndpoint endpoint, String outcome) {
        return Timer.builder(METER)
                .description("Attempts of calls to Finch's API")
                .tag("endpoint", endpoint.key())
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry);
    }
}
