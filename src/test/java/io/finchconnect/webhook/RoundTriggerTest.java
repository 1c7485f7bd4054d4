package io.finchconnect.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The inbox processor's trigger on a hand-driven clock and timer: wake-ups during a run make one more run,
 * and under a stream of wake-ups runs start at most once per gap, instead of back to back (the webhook
 * benchmark's burst found the back-to-back lease queries taking most of PostgreSQL's time).
 */
class RoundTriggerTest {

    private long now = 1_000_000;
    private final List<Long> starts = new ArrayList<>();
    private final List<Runnable> runsInProgress = new ArrayList<>();
    private final List<long[]> timerDue = new ArrayList<>();
    private final List<Runnable> timerActions = new ArrayList<>();

    private final RoundTrigger trigger = new RoundTrigger(finished -> {
        starts.add(now);
        runsInProgress.add(finished);
    }, (delay, action) -> {
        timerDue.add(new long[] { now + delay });
        timerActions.add(action);
    }, () -> now, 250);

    private void finishRun() {
        runsInProgress.remove(0).run();
    }

    private void advanceTo(long time) {
        now = time;
        for (int i = 0; i < timerDue.size(); i++) {
            if (timerDue.get(i)[0] <= now) {
                timerDue.remove(i);
                timerActions.remove(i).run();
                i--;
            }
        }
    }

    @Test
    void aWakeAfterAQuietSpellStartsARunAtOnce() {
        trigger.wake();
        assertEquals(List.of(now), starts);
    }

    @Test
    void wakesDuringARunMakeOneMoreRunAfterItNotOneEach() {
        trigger.wake();
        for (int i = 0; i < 100; i++) {
            trigger.wake();
        }
        assertEquals(1, starts.size());
        advanceTo(now + 300);
        finishRun();
        assertEquals(2, starts.size(), "one more run for all the wakes during the first");
        finishRun();
        assertEquals(2, starts.size());
    }

    @Test
    void underAStreamOfWakesRunsStartAtMostOncePerGap() {
        long start = now;
        // A webhook every millisecond for two seconds; each run ends at once (nothing it may lease).
        for (int ms = 0; ms < 2_000; ms++) {
            advanceTo(start + ms);
            trigger.wake();
            while (!runsInProgress.isEmpty()) {
                finishRun();
            }
        }
        assertTrue(starts.size() <= 2_000 / 250 + 1, "runs started: " + starts.size());
        assertTrue(starts.size() >= 2_000 / 250 - 1, "runs started: " + starts.size());
        for (int i = 1; i < starts.size(); i++) {
            assertTrue(starts.get(i) - starts.get(i - 1) >= 250, "gap " + (starts.get(i) - starts.get(i - 1)));
        }
    }

    @Test
    void aWakeInsideTheGapIsNotLostButStartsWhenTheGapHasPassed() {
        trigger.wake();
        finishRun();
        advanceTo(now + 100);
        trigger.wake();
        trigger.wake();
        assertEquals(1, starts.size());
        assertEquals(1, timerDue.size(), "one timer for the wakes inside the gap");
        advanceTo(starts.get(0) + 250);
        assertEquals(2, starts.size());
        assertEquals(starts.get(0) + 250, starts.get(1));
    }

    @Test
    void aRunThatReportsTheEndTwiceCountsOnce() {
        List<Runnable> callbacks = new ArrayList<>();
        RoundTrigger twice = new RoundTrigger(callbacks::add, (delay, action) -> { }, () -> now, 0);
        twice.wake();
        twice.wake();
        callbacks.get(0).run();
        callbacks.get(0).run();
        assertEquals(2, callbacks.size(), "the second report of the first run started nothing more");
    }
}
