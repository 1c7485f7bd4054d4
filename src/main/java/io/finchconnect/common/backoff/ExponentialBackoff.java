package io.finchconnect.common.backoff;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter": a base that doubles up to a maximum, of which half is waited for
 * sure and half at random, so instances and callers that failed together do not retry together.
 */
public final class ExponentialBackoff {

    private final Duration initial;
    private final Duration max;
    private Duration base;

    public ExponentialBackoff(Duration initial, Duration max) {
        this.initial = initial.isZero() || initial.isNegative() ? Duration.ofMillis(1) : initial;
        this.max = max;
        this.base = this.initial;
    }

    /** The pause before the next try; the one after it will be about twice as long. */
    public Duration next() {
        Duration current = base.compareTo(max) > 0 ? max : base;
        base = current.multipliedBy(2).compareTo(max) > 0 ? max : current.multipliedBy(2);
        return jittered(current);
    }

    public void reset() {
        base = initial;
    }

    /** The pause before try number {@code attempt + 1} when the attempts are counted elsewhere (e.g. a table). */
    public static Duration forAttempt(Duration initial, Duration max, int attempt) {
        long ceiling = Math.min(max.toMillis(), initial.toMillis() << Math.min(Math.max(attempt, 0), 30));
        return jittered(Duration.ofMillis(Math.max(ceiling, 1)));
    }

    private static Duration jittered(Duration base) {
        long millis = base.toMillis();
        return Duration.ofMillis(millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1));
    }
}
