package io.finchconnect.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

class ShutdownSignalTest {

    private final AtomicInteger schedulerPaused = new AtomicInteger();

    private ShutdownSignal signal(Duration grace) {
        return new ShutdownSignal(schedulerPaused::incrementAndGet, grace);
    }

    @Test
    void roundsRunUntilShutdownBeginsAndNoneStartsAfter() {
        ShutdownSignal signal = signal(Duration.ofSeconds(1));
        AtomicInteger started = new AtomicInteger();
        signal.round(() -> {
            started.incrementAndGet();
            return Uni.createFrom().voidItem();
        }).await().indefinitely();
        assertThat(started).hasValue(1);
        assertThat(signal.roundsUnderWay()).isZero();

        signal.begin();
        signal.begin();
        signal.round(() -> {
            started.incrementAndGet();
            return Uni.createFrom().voidItem();
        }).await().indefinitely();

        assertThat(signal.stopping()).isTrue();
        assertThat(started).as("no round started after shutdown began").hasValue(1);
        assertThat(schedulerPaused).as("scheduled jobs stopped once").hasValue(1);
    }

    @Test
    void shutdownWaitsForTheRoundUnderWay() throws Exception {
        ShutdownSignal signal = signal(Duration.ofSeconds(30));
        CompletableFuture<Void> work = new CompletableFuture<>();
        signal.round(() -> Uni.createFrom().completionStage(work)).subscribe().with(ignored -> { });
        assertThat(signal.roundsUnderWay()).isEqualTo(1);
        signal.begin();

        CompletableFuture<Void> awaited = CompletableFuture.runAsync(signal::awaitRounds);
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !awaited.isDone());
        work.complete(null);

        awaited.get(5, TimeUnit.SECONDS);
        assertThat(signal.roundsUnderWay()).isZero();
    }

    @Test
    void aFailedOrCancelledRoundCountsAsEnded() {
        ShutdownSignal signal = signal(Duration.ofSeconds(30));
        signal.round(() -> Uni.createFrom().failure(new IllegalStateException("Pool closed")))
                .subscribe().with(ignored -> { }, failure -> { });
        Cancellable cancellable = signal.round(() -> Uni.createFrom().<Void>nothing()).subscribe().with(ignored -> { });
        assertThat(signal.roundsUnderWay()).isEqualTo(1);
        cancellable.cancel();
        assertThat(signal.roundsUnderWay()).isZero();
    }

    @Test
    void aRoundThatHangsIsAbandonedWhenTheGraceIsOver() {
        ShutdownSignal signal = signal(Duration.ofMillis(200));
        signal.round(() -> Uni.createFrom().<Void>nothing()).subscribe().with(ignored -> { });
        signal.begin();
        long started = System.nanoTime();

        signal.awaitRounds();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(100), Duration.ofSeconds(5));
        assertThat(signal.roundsUnderWay()).isEqualTo(1);
    }
}
