package io.finchconnect.common.lifecycle;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduler;
import io.smallrye.mutiny.Uni;

/**
 * Tells the background loops (inbox rounds, reauth session sweeps, reconciliation ticks) that this instance is
 * stopping, and holds the shutdown until the rounds under way have ended, so that they never run into a closed
 * pool or Finch client. Shutdown begins when readiness turns DOWN ({@code SHUTDOWN_DELAY}), or at the latest
 * with the {@link ShutdownEvent}: from then on no round starts, and no {@code @Scheduled} job fires. Quarkus
 * closes the datasource pool only after every {@link ShutdownEvent} observer returned, and stops the scheduler
 * later still, so this observer comes first and waits. The Finch client's connections can go earlier (they
 * closed under rounds once the HTTP server had stopped), which is why rounds stop as readiness turns DOWN: the
 * delay is theirs to end in.
 *
 * <p>Rounds get until half of {@code SHUTDOWN_TIMEOUT} after shutdown began, the same share as the outbox relay's
 * last batch. A round still running then is abandoned: what it holds stays leased until its lease runs out.
 */
@ApplicationScoped
public class ShutdownSignal {

    private static final Logger LOG = Logger.getLogger(ShutdownSignal.class);

    private final Runnable stopScheduledJobs;
    private final Duration grace;
    private final AtomicInteger rounds = new AtomicInteger();
    private final Object idle = new Object();
    private volatile boolean stopping;
    private volatile long beganNanos;

    @Inject
    ShutdownSignal(Scheduler scheduler, @ConfigProperty(name = "quarkus.shutdown.timeout") Duration shutdownTimeout) {
        this(scheduler::pause, shutdownTimeout.dividedBy(2));
    }

    ShutdownSignal(Runnable stopScheduledJobs, Duration grace) {
        this.stopScheduledJobs = stopScheduledJobs;
        this.grace = grace;
    }

    void delayStarted(@Observes ShutdownDelayInitiatedEvent event) {
        begin();
    }

    // Priority 1: before the outbox relay's drain and every other observer, while the pool is surely open.
    void shuttingDown(@Observes @Priority(1) ShutdownEvent event) {
        begin();
        awaitRounds();
    }

    /** True once shutdown began: a loop starts no round and hands back, unstarted, what it leased. */
    public boolean stopping() {
        return stopping;
    }

    /**
     * The round {@code work} makes, counted as under way from subscription until it ends (item, failure or
     * cancellation), so that shutdown waits for it; once shutdown began, nothing is started and the round is empty.
     */
    public Uni<Void> round(Supplier<Uni<Void>> work) {
        return Uni.createFrom().deferred(() -> {
            if (stopping) {
                return Uni.createFrom().voidItem();
            }
            rounds.incrementAndGet();
            Uni<Void> started;
            try {
                started = work.get();
            } catch (RuntimeException e) {
                ended();
                throw e;
            }
            return started.onTermination().invoke(this::ended);
        });
    }

    /**
     * Logs a background round's failure at WARN, or at DEBUG once shutdown began: the pool and the Finch client
     * closing under a round cut off by the shutdown are no problem to report.
     */
    public void warnUnlessStopping(Logger log, String format, Object... params) {
        log.logf(stopping ? Logger.Level.DEBUG : Logger.Level.WARN, format, params);
    }

    /** Rounds under way now. */
    int roundsUnderWay() {
        return rounds.get();
    }

    void begin() {
        synchronized (idle) {
            if (stopping) {
                return;
            }
            beganNanos = System.nanoTime();
            stopping = true;
        }
        LOG.info("Shutdown began: background rounds stop starting; those under way may finish");
        stopScheduledJobs.run();
    }

    /** Blocks the shutdown thread (never an event loop) until no round is under way, or the grace is over. */
    void awaitRounds() {
        long deadline = beganNanos + grace.toNanos();
        synchronized (idle) {
            long left;
            while (rounds.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    idle.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        int abandoned = rounds.get();
        if (abandoned > 0) {
            LOG.infof("%d background round(s) still under way %d ms after shutdown began; abandoned: what they leased "
                    + "is taken up by another instance when its lease runs out", abandoned, grace.toMillis());
        }
    }

    private void ended() {
        if (rounds.decrementAndGet() == 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }
}
