package io.finchconnect.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
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
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Moves committed outbox rows to Kafka. Every instance relays its share of the outbox's partitions, held by
 * lease ({@link PartitionLeases}, renewed by a heartbeat of its own so a slow Kafka send never lets a lease
 * run out). The relay claims pending rows of its partitions in id order, publishes them, and settles each row
 * once the broker acknowledged it: one fenced statement per batch, refused for partitions it no longer owns.
 * It LISTENs on a connection of the application's pool, so it connects with the datasource's settings (TLS
 * included), and wakes only for notifications of partitions it owns.
 */
public final class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final Vertx vertx;
    private final Pool pool;
    private final OutboxPublisher publisher;
    private final Settings settings;
    private final RelayListener listener;
    private final ExponentialBackoff backoff;
    private final PartitionLeases leases;

    private Context context;
    private PgConnection connection;
    private volatile boolean running;
    private volatile int ownedPartitions;
    private boolean busy;
    private boolean wakeRequested;
    private long timerId = -1;
    private long heartbeatTimerId = -1;
    private CompletableFuture<Void> currentStep = CompletableFuture.completedFuture(null);
    private InFlight inFlight;
    private Set<String> carriedKeys = Set.of();

    public OutboxRelay(Vertx vertx, Pool pool, OutboxPublisher publisher, Settings settings, RelayListener listener) {
        this.vertx = vertx;
        this.pool = pool;
        this.publisher = publisher;
        this.settings = settings;
        this.listener = listener;
        this.backoff = new ExponentialBackoff(settings.backoffInitial(), settings.backoffMax());
        this.leases = new PartitionLeases(memberName(), settings.leaseDuration());
    }

    /** Unique per relay and readable in the lease table: the process and a random suffix. */
    private static String memberName() {
        return "relay-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public void start() {
        running = true;
        context = vertx.getOrCreateContext();
        context.runOnContext(() -> {
            heartbeat();
            runStep();
        });
    }

    /** How many of the outbox's partitions this relay owns now (read from any thread). */
    public int ownedPartitions() {
        return ownedPartitions;
    }

    public String member() {
        return leases.member();
    }

    private void heartbeat() {
        if (!running) {
            return;
        }
        leases.heartbeat(pool).subscribe().with(ignored -> {
            afterHeartbeat();
            wake();
        }, failure -> {
            LOG.warnf("Outbox relay heartbeat failed (%s); the leases run out after %s unless it recovers",
                    failure.toString(), settings.leaseDuration());
            afterHeartbeat();
        });
    }

    private void afterHeartbeat() {
        ownedPartitions = leases.owned();
        listener.ownership(ownedPartitions, leases.liveMembers());
        if (running) {
            heartbeatTimerId = vertx.setTimer(settings.heartbeatInterval().toMillis(), id -> {
                heartbeatTimerId = -1;
                heartbeat();
            });
        }
    }

    /**
     * Stops taking new batches and lets the one in flight finish (sent rows marked) within the timeout; a batch
     * cut off by the timeout stays unmarked and is published again by the next owner of its partitions, never half-marked.
     */
    public void stop(Duration timeout) {
        running = false;
        CompletableFuture<Void> drained = new CompletableFuture<>();
        context.runOnContext(() -> {
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
                timerId = -1;
            }
            if (heartbeatTimerId >= 0) {
                vertx.cancelTimer(heartbeatTimerId);
                heartbeatTimerId = -1;
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
        // Leaving hands the partitions back at once, so the others need not wait for the leases to run out.
        context.runOnContext(() -> leases.leave(pool).onFailure().recoverWithNull()
                .chain(() -> closeConnection())
                .subscribe().with(ignored -> closed.complete(null), failure -> closed.complete(null)));
        closed.completeOnTimeout(null, 5, TimeUnit.SECONDS).join();
        publisher.close(Duration.ofSeconds(5));
    }

    private Uni<Void> settleLastBatch() {
        if (connection == null || inFlight == null) {
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
            // Whatever was in flight stays unmarked: the owner of its partitions publishes it again with the same ce_id.
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
        if (leases.isHandingBack()) {
            // Nothing of a partition may be in flight when another instance takes it.
            return inFlight != null || !carriedKeys.isEmpty() ? drain()
                    : leases.handBack(connection).invoke(() -> ownedPartitions = leases.owned()).replaceWith(Duration.ZERO);
        }
        if (inFlight == null && carriedKeys.isEmpty() && leases.claimable().isEmpty()) {
            // A relay without partitions does not query: it waits for the heartbeat to give it some.
            return Uni.createFrom().item(settings.pollInterval());
        }
        return relayOnce();
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
        return pool.getConnection()
                .map(PgConnection::cast)
                .invoke(opened -> {
                    connection = opened;
                    opened.notificationHandler(notification -> context.runOnContext(() -> {
                        if (concernsUs(notification.getPayload())) {
                            wake();
                        }
                    }));
                    opened.closeHandler(() -> context.runOnContext(() -> onConnectionLost(opened)));
                })
                .chain(opened -> opened.query("LISTEN " + Outbox.CHANNEL).execute())
                .replaceWithVoid();
    }

    /** The writer names the row's partition in the notification; an empty payload wakes every relay. */
    private boolean concernsUs(String payload) {
        if (payload == null || payload.isEmpty()) {
            return true;
        }
        try {
            return leases.owns(Integer.parseInt(payload));
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private void onConnectionLost(PgConnection lost) {
        if (connection == lost) {
            LOG.warn("Outbox relay lost its database connection; it reconnects (its leases are the heartbeat's)");
            connection = null;
        }
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
        long[] tokens = leases.tokens();
        return OutboxStore.claim(connection, settings.batchSize(), excluded, leases.claimable(), leases.member(), tokens)
                .map(claimed -> claimed.isEmpty() ? null : new InFlight(claimed, publisher.send(claimed), tokens))
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

    private Uni<Settled> settle(InFlight batch, Set<String> carried) {
        return Uni.createFrom().completionStage(batch.outcomes())
                .emitOn(command -> context.runOnContext(command))
                .chain(outcomes -> record(BatchResult.of(outcomes, carried), batch.tokens()));
    }

    /**
     * Rows that Kafka failed or that were held back are not written at all: they are still pending, with
     * their attempts untouched, since only a failure of the row itself counts.
     */
    private Uni<Settled> record(BatchResult result, long[] tokens) {
        listener.published(result.sent());
        listener.failed(result.failed());
        List<Long> sentIds = result.sentIds();
        Uni<Void> recorded = OutboxStore.settleSent(connection, sentIds, leases.member(), tokens, settings.deleteOnAck())
                .invoke(settled -> {
                    if (settled < sentIds.size()) {
                        LOG.warnf("Outbox relay %s no longer owns the partitions of %d sent rows: their settling was "
                                + "refused, the new owner sends them again", leases.member(), sentIds.size() - settled);
                        listener.fenced(sentIds.size() - settled);
                    }
                })
                .replaceWithVoid();
        for (SendOutcome fault : result.rowFaults()) {
            recorded = recorded.chain(() -> OutboxStore.recordFailure(connection, fault.message(), fault.errorSummary(),
                    settings.maxAttempts(), leases.member(), tokens)
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

    /** Back to the pool, without its LISTEN, so no other user of that connection hears the notifications. */
    private Uni<Void> closeConnection() {
        PgConnection closing = connection;
        connection = null;
        return closing == null ? Uni.createFrom().voidItem()
                : closing.query("UNLISTEN *").execute().onFailure().recoverWithNull()
                        .chain(() -> closing.close()).onFailure().recoverWithNull();
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

    /** A batch whose sends have started, with the fencing tokens it was claimed under; outcomes come with the acks. */
    record InFlight(List<OutboxMessage> batch, CompletableFuture<List<SendOutcome>> outcomes, long[] tokens) {
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
                           Duration backoffMax, Duration leaseDuration, Duration heartbeatInterval, boolean deleteOnAck) {

        public Settings {
            if (heartbeatInterval.multipliedBy(2).compareTo(leaseDuration) > 0) {
                throw new IllegalArgumentException("outbox.heartbeat-interval must be at most half of outbox.lease-duration");
            }
        }

        /** Test and benchmark settings: the given batch and pauses, leases of 10 s renewed every 2 s, rows deleted on ack. */
        public static Settings of(int batchSize, Duration pollInterval, int maxAttempts, Duration backoffInitial,
                                  Duration backoffMax) {
            return new Settings(batchSize, pollInterval, maxAttempts, backoffInitial, backoffMax, Duration.ofSeconds(10),
                    Duration.ofSeconds(2), true);
        }
    }

    /** Receives what the relay did, for metrics. */
    public interface RelayListener {
        void published(List<SendOutcome> sent);

        void failed(int rows);

        void parked(int rows);

        /** Sent rows whose settling was refused because their partition had passed to another owner. */
        default void fenced(int rows) {
        }

        /** After each heartbeat: the partitions this relay owns and the live relays. */
        default void ownership(int ownedPartitions, int liveMembers) {
        }
    }
}
