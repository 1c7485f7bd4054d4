package io.finchconnect.webhook;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.reauth.FinchStatusCheck;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * What operators watch of incoming events: the inbox backlog and its oldest age (read from the table on every
 * instance), introspections by outcome, and the reconciliation's progress.
 */
@ApplicationScoped
public class InboxMetrics {

    private final MeterRegistry registry;
    private final Pool pool;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicReference<OffsetDateTime> oldest = new AtomicReference<>();
    private final AtomicLong reconcileDue = new AtomicLong();
    private final Counter reconcileEnqueued;

    InboxMetrics(MeterRegistry registry, Pool pool) {
        this.registry = registry;
        this.pool = pool;
        Gauge.builder("inbox.pending", pending, AtomicLong::get).description("Incoming events waiting to be processed")
                .register(registry);
        Gauge.builder("inbox.oldest.pending.age", oldest, InboxMetrics::ageSeconds).baseUnit("seconds")
                .description("Age in seconds of the oldest incoming event waiting to be processed").register(registry);
        Gauge.builder("reconcile.due", reconcileDue, AtomicLong::get)
                .description("Live connections whose reconciliation is due and not yet handed to the inbox").register(registry);
        reconcileEnqueued = Counter.builder("reconcile.enqueued")
                .description("Connections handed to the inbox for a reconciliation introspection").register(registry);
        // Every outcome exported from the start, so an alert on one is never on a missing series.
        for (FinchStatusCheck.Verdict.Kind kind : FinchStatusCheck.Verdict.Kind.values()) {
            introspections(kind.name().toLowerCase());
        }
        introspections("failed");
    }

    private Counter introspections(String outcome) {
        return Counter.builder("inbox.introspections").description("Introspections asked of Finch by the inbox processor")
                .tag("outcome", outcome).register(registry);
    }

    /**
     * {@code outcome}: observed, reauth_required, token_refused, unknown_connection, unavailable (a Finch-shaped 403
     * or 404), unverified, failed (no answer: a 5xx, a timeout, a 429, a proxy's page).
     */
    void introspected(String outcome) {
        introspections(outcome).increment();
    }

    /** Finch's answer was asked before the connection's last change, so it was not applied and is asked again. */
    void staleAnswer() {
        Counter.builder("inbox.stale.answers")
                .description("Finch answers not applied because the connection changed after they were asked")
                .register(registry).increment();
    }

    void reconcileEnqueued(int count) {
        reconcileEnqueued.increment(count);
    }

    @Scheduled(every = "${inbox.stats-interval:5s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return InboxStore.stats(pool).invoke(stats -> {
            pending.set(stats.pending());
            oldest.set(stats.oldest());
            reconcileDue.set(stats.overdue());
        }).replaceWithVoid().onFailure().recoverWithNull();
    }

    private static double ageSeconds(AtomicReference<OffsetDateTime> oldest) {
        OffsetDateTime at = oldest.get();
        return at == null ? 0 : Math.max(0, Duration.between(at, OffsetDateTime.now()).toMillis() / 1000.0);
    }
}
