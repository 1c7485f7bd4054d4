package io.finchconnect.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import io.finchconnect.outbox.OutboxPublisher.SendOutcome;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Moves committed outbox rows to Kafka. One relay leads at a time, holding a session-level advisory lock on
 * its own connection; the others stand by and take over when that connection goes. The leader claims pending
 * rows in id order, publishes them, and marks them sent only after the broker acknowledged them.
 */
public final class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** Two-int advisory key ("FNCH", 1): a different key space from the bigint per-key locks of the writer. */
    private static final String TRY_LEAD = "SELECT pg_try_advisory_lock(1179534152, 1) AS leader";

    private final Vertx vertx;
    private final PgConnectOptions connectOptions;
    private final OutboxPublisher publisher;
    private final Settings settings;
    private final RelayListener listener;
    private final Backoff backoff;

    private Context context;
    private PgConnection connection;
    private boolean leader;
    private volatile boolean running;
    private boolean busy;
    private boolean wakeRequested;
    private long timerId = -1;
    private CompletableFuture<Void> currentStep = CompletableFuture.completedFuture(null);

    public OutboxRelay(Vertx vertx, PgConnectOptions connectOptions, OutboxPublisher publisher, Settings settings,
                       RelayListener listener) {
        this.vertx = vertx;
        this.connectOptions = connectOptions;
        this.publisher = publisher;
        this.settings = settings;
        this.listener = listener;
        this.backoff = new Backoff(settings.backoffInitial(), settings.backoffMax());
    }

    public void start() {
        running = true;
        context = vertx.getOrCreateContext();
        context.runOnContext(() -> runStep());
    }

    public boolean isLeader() {
        return leader;
    }

    /**
     * Stops taking new batches and lets the one in flight finish (sent rows marked) within the timeout; a batch
     * cut off by the timeout stays unmarked and is published again by the next leader, never half-marked.
     */
    public void stop(Duration timeout) {
        running = false;
        CompletableFuture<Void> inFlight = new CompletableFuture<>();
        context.runOnContext(() -> {
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
                timerId = -1;
            }
            currentStep.whenComplete((ignored, failure) -> inFlight.complete(null));
        });
        try {
            // Called from the shutdown thread, never from an event loop.
            inFlight.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("Outbox relay stopped with a batch in flight; it stays unmarked and will be published again");
        } catch (Exception e) {
            LOG.debug("Outbox relay stop interrupted", e);
        }
        CompletableFuture<Void> closed = new CompletableFuture<>();
        context.runOnContext(() -> closeConnection().subscribe().with(ignored -> closed.complete(null),
                failure -> closed.complete(null)));
        closed.completeOnTimeout(null, 5, TimeUnit.SECONDS).join();
        publisher.close(Duration.ofSeconds(5));
    }

    private void wake() {
        if (!running) {
            return;
        }
        if (busy) {
            wakeRequested = true;
        } else if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
            runStep();
        }
    }

    private void runStep() {
        if (!running) {
            return;
        }
        busy = true;
        wakeRequested = false;
        CompletableFuture<Void> step = new CompletableFuture<>();
        currentStep = step;
        nextStep().subscribe().with(delay -> {
            busy = false;
            step.complete(null);
            schedule(wakeRequested ? Duration.ZERO : delay);
        }, failure -> {
            busy = false;
            step.complete(null);
            Duration delay = backoff.next();
            LOG.warnf("Outbox relay step failed (%s); retrying in %d ms", failure.toString(), delay.toMillis());
            LOG.debug("Outbox relay step failure", failure);
            closeConnection().subscribe().with(ignored -> schedule(delay), ignored -> schedule(delay));
        });
    }

    private Uni<Duration> nextStep() {
        if (connection == null) {
            return connect().replaceWith(Duration.ZERO);
        }
        return leader ? relayOnce() : tryToLead();
    }

    private void schedule(Duration delay) {
        if (!running) {
            return;
        }
        if (delay.isZero()) {
            context.runOnContext(() -> runStep());
        } else {
            timerId = vertx.setTimer(delay.toMillis(), id -> {
                timerId = -1;
                runStep();
            });
        }
    }

    private Uni<Void> connect() {
        return PgConnection.connect(vertx, connectOptions)
                .invoke(opened -> {
                    connection = opened;
                    opened.notificationHandler(notification -> context.runOnContext(() -> wake()));
                    opened.closeHandler(() -> context.runOnContext(() -> onConnectionLost(opened)));
                })
                .chain(opened -> opened.query("LISTEN " + Outbox.CHANNEL).execute())
                .replaceWithVoid();
    }

    private void onConnectionLost(PgConnection lost) {
        if (connection == lost) {
            if (leader) {
                LOG.warn("Outbox relay lost its database connection and with it the lead");
            }
            connection = null;
            leader = false;
        }
    }

    private Uni<Duration> tryToLead() {
        return connection.query(TRY_LEAD).execute().map(rows -> {
            leader = rows.iterator().next().getBoolean("leader");
            if (leader) {
                LOG.info("Outbox relay is now the leader");
                return Duration.ZERO;
            }
            return settings.pollInterval();
        });
    }

    private Uni<Duration> relayOnce() {
        return OutboxStore.claim(connection, settings.batchSize()).chain(this::publishClaimed);
    }

    private Uni<Duration> publishClaimed(List<OutboxMessage> claimed) {
        if (claimed.isEmpty()) {
            backoff.reset();
            return Uni.createFrom().item(settings.pollInterval());
        }
        List<Long> exhausted = new ArrayList<>();
        List<OutboxMessage> batch = new ArrayList<>(claimed.size());
        for (OutboxMessage message : claimed) {
            if (message.attempts() > settings.maxAttempts()) {
                exhausted.add(message.id());
            } else {
                batch.add(message);
            }
        }
        boolean fullBatch = claimed.size() == settings.batchSize();
        return OutboxStore.parkExhausted(connection, exhausted)
                .invoke(parked -> listener.parked(parked))
                .chain(() -> publisher.publish(batch))
                .emitOn(command -> context.runOnContext(command))
                .chain(outcomes -> settle(BatchResult.of(outcomes), fullBatch));
    }

    private Uni<Duration> settle(BatchResult result, boolean fullBatch) {
        listener.published(result.sent());
        listener.failed(result.failed());
        Uni<Void> recorded = OutboxStore.markSent(connection, result.sentIds())
                .chain(() -> OutboxStore.release(connection, result.released(), result.kafkaError()))
                .replaceWithVoid();
        for (SendOutcome fault : result.rowFaults()) {
            recorded = recorded.chain(() -> OutboxStore.recordFailure(connection, fault.message().id(),
                    fault.errorSummary(), settings.maxAttempts())
                    .invoke(parked -> {
                        if (parked) {
                            LOG.errorf("Outbox row %d (event %s, type %s) parked: %s", fault.message().id(),
                                    fault.message().eventId(), fault.message().type(), fault.errorSummary());
                            listener.parked(1);
                        }
                    })
                    .replaceWithVoid());
        }
        return recorded.map(ignored -> {
            if (result.kafkaError() != null) {
                Duration delay = backoff.next();
                LOG.warnf("Kafka did not take %d outbox rows (%s); retrying in %d ms", result.released().size(),
                        result.kafkaError(), delay.toMillis());
                return delay;
            }
            backoff.reset();
            if (!result.rowFaults().isEmpty()) {
                return settings.backoffInitial();
            }
            return fullBatch ? Duration.ZERO : settings.pollInterval();
        });
    }

    private Uni<Void> closeConnection() {
        PgConnection closing = connection;
        connection = null;
        leader = false;
        return closing == null ? Uni.createFrom().voidItem() : closing.close().onFailure().recoverWithNull();
    }

    /**
     * How a batch's outcomes settle. After a row of some key failed, the later rows of that key are released
     * even if Kafka took them: they go again after the failed one, so the newest delivery of a key is in order.
     */
    record BatchResult(List<SendOutcome> sent, List<Long> released, List<SendOutcome> rowFaults, int failed,
                       String kafkaError) {

        static BatchResult of(List<SendOutcome> outcomes) {
            List<SendOutcome> sent = new ArrayList<>();
            List<Long> released = new ArrayList<>();
            List<SendOutcome> rowFaults = new ArrayList<>();
            Set<String> blockedKeys = new HashSet<>();
            String kafkaError = null;
            int failed = 0;
            for (SendOutcome outcome : outcomes) {
                String key = outcome.message().key();
                failed += outcome.isSent() ? 0 : 1;
                if (blockedKeys.contains(key)) {
                    released.add(outcome.message().id());
                } else if (outcome.isSent()) {
                    sent.add(outcome);
                } else if (outcome.isRowAtFault()) {
                    rowFaults.add(outcome);
                    blockedKeys.add(key);
                } else {
                    released.add(outcome.message().id());
                    blockedKeys.add(key);
                    kafkaError = outcome.errorSummary();
                }
            }
            return new BatchResult(sent, released, rowFaults, failed, kafkaError);
        }

        List<Long> sentIds() {
            return sent.stream().map(outcome -> outcome.message().id()).toList();
        }
    }

    /** Exponential backoff with full jitter, so several instances do not retry in step. */
    static final class Backoff {
        private final Duration initial;
        private final Duration max;
        private Duration current;

        Backoff(Duration initial, Duration max) {
            this.initial = initial;
            this.max = max;
            this.current = initial;
        }

        Duration next() {
            Duration ceiling = current;
            current = current.multipliedBy(2).compareTo(max) > 0 ? max : current.multipliedBy(2);
            long millis = ceiling.toMillis();
            return Duration.ofMillis(millis / 2 + (long) (Math.random() * (millis / 2 + 1)));
        }

        void reset() {
            current = initial;
        }
    }

    /** Relay settings, taken from {@code OutboxConfig} in the service and set directly in tests. */
    public record Settings(int batchSize, Duration pollInterval, int maxAttempts, Duration backoffInitial,
                           Duration backoffMax) {
    }

    /** Receives what the relay did, for metrics. */
    public interface RelayListener {
        void published(List<SendOutcome> sent);

        void failed(int rows);

        void parked(int rows);
    }
}
