package io.finchconnect.webhook;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Starts the inbox processor's runs on wake-ups: one run at a time; wake-ups during a run make one more run
 * after it; and no run starts sooner than {@code minGapMillis} after the previous one started, a wake-up
 * before then being put off until then.
 *
 * <p>Why the gap: every intake wakes the processor, and a run begins with the lease query, which reads every
 * pending event. While the pending events cannot be leased (their connections are being worked by another
 * instance, or wait out a Finch outage's backoff), runs end at once and, under a stream of webhooks, started
 * back to back, each reading the whole backlog: in the webhook benchmark that query took most of PostgreSQL's
 * time during the burst and slowed intake. A run that finds work still repeats at once (the processor's own
 * loop), so the gap costs a backlog nothing, and a lone event after a quiet spell is still started at once.
 */
final class RoundTrigger {

    /** Runs {@code action} after {@code delayMillis}. */
    interface Timer {
        void schedule(long delayMillis, Runnable action);
    }

    private final Consumer<Runnable> run;
    private final Timer timer;
    private final LongSupplier clockMillis;
    private final long minGapMillis;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile long lastStartMillis = Long.MIN_VALUE / 2;

    /** {@code run} is given a callback to call once, when the run is over (success or failure). */
    RoundTrigger(Consumer<Runnable> run, Timer timer, LongSupplier clockMillis, long minGapMillis) {
        this.run = run;
        this.timer = timer;
        this.clockMillis = clockMillis;
        this.minGapMillis = minGapMillis;
    }

    void wake() {
        long wait = lastStartMillis + minGapMillis - clockMillis.getAsLong();
        if (wait > 0) {
            if (scheduled.compareAndSet(false, true)) {
                timer.schedule(wait, () -> {
                    scheduled.set(false);
                    wake();
                });
            }
            return;
        }
        if (!running.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        again.set(false);
        lastStartMillis = clockMillis.getAsLong();
        AtomicBoolean done = new AtomicBoolean();
        run.accept(() -> {
            if (done.compareAndSet(false, true)) {
                finished();
            }
        });
    }

    private void finished() {
        running.set(false);
        if (again.getAndSet(false)) {
            wake();
        }
    }
}
