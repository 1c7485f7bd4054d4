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

import io.finchconnect.common.backoff.ExponentialBackoff;
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
    private final ExponentialBackoff backoff;

    private Context context;
    private PgConnection connection;
    private boolean leader;
    private volatile boolean running;
    private boolean busy;
    private boolean wakeRequested;
    private long timerId = -1;
    private CompletableFuture<Void> currentStep = CompletableFuture.completedFuture(null);
    private InFlight inFlight;
    private Set<String> carriedKeys = Set.of();

    public OutboxRelay(Vertx vertx, PgConnectOptions connectOptions, OutboxPublisher publisher, Settings settings,
                       RelayListener listener) {
        this.vertx = vertx;
        this.connectOptions = connectOptions;
        this.publisher = publisher;
        this.settings = settings;
        this.listener = listener;
        this.backoff = new ExponentialBackoff(settings.backoffInitial(), settings.backoffMax());
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
        CompletableFuture<Void> drained = new CompletableFuture<>();
        context.runOnContext(() -> {
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
                timerId = -1;
            }
            currentStep.whenComplete((ignored, failure) -> context.runOnContext(() -> settleLastBatch()
                    .subscribe().with(done -> drained.complete(null), error -> drained.complete(null))));
        });
        try {
            // Called from the shutdown thread, never from an event loop.
            drained.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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

    private Uni<Void> settleLastBatch() {
        if (connection == null || !leader || inFlight == null) {
            return Uni.createFrom().voidItem();
        }
        return drain().replaceWithVoid();
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
            // Whatever was in flight stays unmarked: the next leader publishes it again with the same ce_id.
            InFlight abandoned = inFlight;
            inFlight = null;
            carriedKeys = Set.of();
            Duration delay = backoff.next();
            LOG.warnf("Outbox relay step failed (%s); retrying in %d ms", failure.toString(), delay.toMillis());
            LOG.debug("Outbox relay step failure", failure);
            // The keys it blocked stay blocked until its outcomes are in: only then is nothing of them in flight.
            closeConnection().chain(() -> abandon(abandoned)).subscribe().with(ignored -> {
                step.complete(null);
                schedule(delay);
            }, ignored -> {
                step.complete(null);
                schedule(delay);
            });
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

    /**
     * One pipeline step: claim and start sending the next batch, then settle the batch sent in the previous
     * step, so the database work of one batch overlaps the Kafka round trip of the other. After a failure the
     * pipeline drains: the batch already in flight settles with the failed keys carried over (its later rows
     * of those keys are sent again), and nothing new is claimed until it is empty.
     */
    private Uni<Duration> relayOnce() {
        if (!carriedKeys.isEmpty()) {
            return drain();
        }
        InFlight previous = inFlight;
        List<Long> excluded = previous == null ? List.of() : previous.ids();
        return OutboxStore.claim(connection, settings.batchSize(), excluded)
                .chain(this::parkExhaustedAndSend)
                .chain(sent -> {
                    inFlight = sent;
                    return previous == null ? Uni.createFrom().item(Settled.NOTHING) : settle(previous, Set.of());
                })
                .map(settled -> {
                    if (!settled.blockedKeys().isEmpty()) {
                        carriedKeys = settled.blockedKeys();
                        return Duration.ZERO;
                    }
                    return nextDelay(settled, inFlight != null);
                });
    }

    /**
     * Settles the batch in flight with the keys that failed in the batch before, claiming nothing new; then
     * nothing is in flight and every failure is recorded, so the failed keys can go again: the next claim
     * starts each of them at its oldest pending row (a parked row keeps its key out of the claim).
     */
    private Uni<Duration> drain() {
        InFlight draining = inFlight;
        Set<String> carried = carriedKeys;
        inFlight = null;
        carriedKeys = Set.of();
        Uni<Settled> settled = draining == null ? Uni.createFrom().item(Settled.NOTHING) : settle(draining, carried);
        return settled.map(result -> {
            publisher.unblock(carried);
            publisher.unblock(result.blockedKeys());
            // A pause before the failed rows go again, so a row that fails at once does not spin the relay.
            return result.kafkaError() ? backoff.next() : settings.backoffInitial();
        });
    }

    private Uni<Void> abandon(InFlight abandoned) {
        Uni<Void> outcomesIn = abandoned == null ? Uni.createFrom().voidItem()
                : Uni.createFrom().completionStage(abandoned.outcomes()).replaceWithVoid()
                        .onFailure().recoverWithNull();
        return outcomesIn.emitOn(command -> context.runOnContext(command)).invoke(publisher::unblockAll);
    }

    private Duration nextDelay(Settled settled, boolean moreInFlight) {
        if (settled.kafkaError()) {
            return backoff.next();
        }
        if (moreInFlight) {
            return Duration.ZERO;
        }
        backoff.reset();
        return settled.rowFaults() ? settings.backoffInitial() : settings.pollInterval();
    }

    private Uni<InFlight> parkExhaustedAndSend(List<OutboxMessage> claimed) {
        if (claimed.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        List<Long> exhausted = new ArrayList<>();
        Set<String> exhaustedKeys = new HashSet<>();
        List<Long> behindExhausted = new ArrayList<>();
        List<OutboxMessage> batch = new ArrayList<>(claimed.size());
        for (OutboxMessage message : claimed) {
            if (exhaustedKeys.contains(message.key())) {
                // Parked with it by the claim's own rule from the next claim on; not sent now either.
                behindExhausted.add(message.id());
            } else if (message.attempts() > settings.maxAttempts()) {
                exhausted.add(message.id());
                exhaustedKeys.add(message.key());
            } else {
                batch.add(message);
            }
        }
        return OutboxStore.parkExhausted(connection, exhausted)
                .invoke(parked -> listener.parked(parked))
                .chain(() -> OutboxStore.release(connection, behindExhausted, null))
                .map(ignored -> new InFlight(batch, publisher.send(batch)));
    }

    private Uni<Settled> settle(InFlight batch, Set<String> carried) {
        return Uni.createFrom().completionStage(batch.outcomes())
                .emitOn(command -> context.runOnContext(command))
                .chain(outcomes -> record(BatchResult.of(outcomes, carried)));
    }

    private Uni<Settled> record(BatchResult result) {
        listener.published(result.sent());
        listener.failed(result.failed());
        Uni<Void> recorded = OutboxStore.markSent(connection, result.sentIds())
                .chain(() -> OutboxStore.release(connection, result.failedByKafka(), result.kafkaError()))
                .chain(() -> OutboxStore.release(connection, result.heldBack(), null))
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
        if (result.kafkaError() != null) {
            LOG.warnf("Kafka did not take %d outbox rows (%s); they and %d rows of their keys behind them wait for the "
                    + "next attempt", result.failedByKafka().size(), result.kafkaError(), result.heldBack().size());
        }
        return recorded.replaceWith(new Settled(result.blockedKeys(), result.kafkaError() != null,
                !result.rowFaults().isEmpty()));
    }

    private Uni<Void> closeConnection() {
        PgConnection closing = connection;
        connection = null;
        leader = false;
        return closing == null ? Uni.createFrom().voidItem() : closing.close().onFailure().recoverWithNull();
    }

    /**
     * How a batch's outcomes settle. The publisher never sends a row behind a failed row of its key, so a row
     * is sent (marked), failed by Kafka (released: the attempt is given back), failed through its own fault
     * (recorded, may park) or held back (released). Keys carried in from the batch before were blocked from
     * the start: anything of theirs is held back.
     */
    record BatchResult(List<SendOutcome> sent, List<Long> failedByKafka, List<Long> heldBack, List<SendOutcome> rowFaults,
                       int failed, String kafkaError, Set<String> blockedKeys) {

        static BatchResult of(List<SendOutcome> outcomes, Set<String> carried) {
            List<SendOutcome> sent = new ArrayList<>();
            List<Long> failedByKafka = new ArrayList<>();
            List<Long> heldBack = new ArrayList<>();
            List<SendOutcome> rowFaults = new ArrayList<>();
            Set<String> blockedKeys = new HashSet<>();
            String kafkaError = null;
            int failed = 0;
            for (OutboxMessage message : outcomes.stream().map(SendOutcome::message).toList()) {
                if (carried.contains(message.key())) {
                    blockedKeys.add(message.key());
                }
            }
            for (SendOutcome outcome : outcomes) {
                String key = outcome.message().key();
                if (outcome.isSent()) {
                    sent.add(outcome);
                } else if (outcome.isHeldBack()) {
                    heldBack.add(outcome.message().id());
                    blockedKeys.add(key);
                } else if (outcome.isRowAtFault()) {
                    failed++;
                    rowFaults.add(outcome);
                    blockedKeys.add(key);
                } else {
                    failed++;
                    failedByKafka.add(outcome.message().id());
                    blockedKeys.add(key);
                    kafkaError = outcome.errorSummary();
                }
            }
            blockedKeys.removeAll(carried);
            return new BatchResult(sent, failedByKafka, heldBack, rowFaults, failed, kafkaError, Set.copyOf(blockedKeys));
        }

        List<Long> sentIds() {
            return sent.stream().map(outcome -> outcome.message().id()).toList();
        }
    }

    /** A batch whose sends have started; its outcomes arrive with the broker's acks. */
    record InFlight(List<OutboxMessage> batch, CompletableFuture<List<SendOutcome>> outcomes) {
        List<Long> ids() {
            return batch.stream().map(OutboxMessage::id).toList();
        }
    }

    /** What settling a batch means for the next step. */
    record Settled(Set<String> blockedKeys, boolean kafkaError, boolean rowFaults) {
        static final Settled NOTHING = new Settled(Set.of(), false, false);
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
