package io.finchconnect.webhook;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.common.backoff.ExponentialBackoff;
import io.finchconnect.common.lifecycle.ShutdownSignal;
import io.finchconnect.finch.client.FinchRateLimitedException;
import io.finchconnect.finch.client.FinchTransientException;
import io.finchconnect.connection.ConnectionLifecycle.Cause;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.finchconnect.lifecycle.Decision;
import io.finchconnect.lifecycle.EntityStatuses;
import io.finchconnect.lifecycle.LifecycleEvent;
import io.finchconnect.lifecycle.LifecycleInput;
import io.finchconnect.reauth.ConnectionStatusService;
import io.finchconnect.reauth.FinchStatusCheck;
import io.finchconnect.reauth.FinchStatusCheck.Verdict;
import io.finchconnect.reauth.ReauthSessionSweeper;
import io.finchconnect.webhook.InboxStore.Pending;
import io.finchconnect.webhook.config.InboxConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Works off the inbox on every instance. A round leases connections with pending events (one lease row per
 * connection, so no two instances work one connection at once), asks Finch once per connection however many
 * events wait, and applies what Finch says with the transition's outbox event, the inbox rows marked done and
 * the lease given up, all in one transaction. Finch unreachable: the events stay pending with a backoff.
 * Neither delivery order nor Finch-Timestamp takes part.
 */
@ApplicationScoped
public class InboxProcessor {

    private static final Logger LOG = Logger.getLogger(InboxProcessor.class);

    private final String owner = "inbox-" + UUID.randomUUID();
    private final Pool pool;
    private final FinchStatusCheck finch;
    private final ConnectionStatusService statuses;
    private final ReauthSessionSweeper reauthSessions;
    private final InboxMetrics metrics;
    private final InboxConfig config;
    private final Vertx vertx;
    private final RoundTrigger trigger;
    private final ShutdownSignal shutdown;
    private volatile Consumer<Duration> pause = null;

    InboxProcessor(Pool pool, FinchStatusCheck finch, ConnectionStatusService statuses, ReauthSessionSweeper reauthSessions,
                   InboxMetrics metrics, InboxConfig config, Vertx vertx, ShutdownSignal shutdown) {
        this.pool = pool;
        this.shutdown = shutdown;
        this.finch = finch;
        this.statuses = statuses;
        this.reauthSessions = reauthSessions;
        this.metrics = metrics;
        this.config = config;
        this.vertx = vertx;
        this.trigger = new RoundTrigger(this::run, (delay, action) -> vertx.setTimer(delay, id -> action.run()),
                () -> System.nanoTime() / 1_000_000, config.minWakeInterval().toMillis());
    }

    /** Told when Finch rate-limits an introspection: the reconciler holds back for the Retry-After. */
    void onRateLimit(Consumer<Duration> listener) {
        this.pause = listener;
    }

    @Scheduled(every = "${inbox.poll-interval:1s}", delayed = "1s")
    void scheduled() {
        wake();
    }

    /**
     * Starts a run now, or right after the one under way, but no sooner than {@code inbox.min-wake-interval}
     * after the previous run started ({@link RoundTrigger}): an intake calls it after storing a hint.
     */
    public void wake() {
        trigger.wake();
    }

    private void run(Runnable finished) {
        shutdown.round(this::drain).subscribe().with(ignored -> finished.run(), failure -> {
            shutdown.warnUnlessStopping(LOG, "Inbox round failed: %s", failure.toString());
            finished.run();
        });
    }

    /** Rounds until one leases fewer connections than it may (the backlog is then worked off), or shutdown begins. */
    public Uni<Void> drain() {
        return Multi.createBy().repeating().uni(this::round)
                .whilst(leased -> leased >= config.connectionsPerRound() && !shutdown.stopping())
                .collect().last()
                .replaceWithVoid();
    }

    /**
     * A safe sub-context of its own for each connection's work: Hibernate Reactive keeps its session on the
     * context, so connections worked at the same time must not share one; the Finch client may complete on
     * another context, so every step after it is brought back here.
     */
    private Executor newContext() {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext().getDelegate());
        VertxContextSafetyToggle.setContextSafe(context, true);
        return command -> context.runOnContext(ignored -> command.run());
    }

    private Uni<Integer> round() {
        if (shutdown.stopping()) {
            return Uni.createFrom().item(0);
        }
        return InboxLeaseStore.lease(pool, config.connectionsPerRound(), owner, config.lease())
                .chain(leased -> Multi.createFrom().iterable(leased)
                        // Leased connections not yet started when shutdown begins are handed back for another instance.
                        .onItem().transformToUni(connectionId -> (shutdown.stopping() ? release(connectionId)
                                        : process(connectionId, newContext()))
                                .onFailure().invoke(failure -> shutdown.warnUnlessStopping(LOG,
                                        "Inbox: connection %s not processed yet (%s)", connectionId, failure.toString()))
                                .onFailure().recoverWithNull())
                        .merge(config.concurrency())
                        .collect().asList()
                        .replaceWith(leased.size()));
    }

    private Uni<Void> process(String connectionId, Executor onContext) {
        return Uni.createFrom().voidItem().emitOn(onContext)
                .chain(() -> InboxStore.pending(pool, connectionId, config.eventsPerConnection()))
                .chain(pending -> pending.isEmpty() ? release(connectionId)
                        : pending.stream().anyMatch(Pending::isDataSync)
                        ? announceDataSyncs(connectionId, pending.stream().filter(Pending::isDataSync).toList(),
                                pending.size())
                        : finch.check(connectionId)
                                .emitOn(onContext)
                                .invoke(verdict -> metrics.introspected(verdict.kind().name().toLowerCase()))
                                .chain(verdict -> settle(connectionId, pending, verdict))
                                .onFailure(LeaseLost.class).recoverWithNull()
                                .onFailure().recoverWithUni(failure -> retryLater(connectionId, pending, failure)
                                        .emitOn(onContext)));
    }

    /**
     * Finch's webhooks that data syncs finished, announced as Finch sent them in one transaction with their inbox rows;
     * the status hints among the pending events (of {@code pendingCount}) wait for the next round, which is woken.
     */
    private Uni<Void> announceDataSyncs(String connectionId, List<Pending> syncs, int pendingCount) {
        List<String> ids = syncs.stream().map(Pending::eventId).toList();
        return Panache.withTransaction(() -> fence(connectionId)
                        .chain(() -> {
                            Uni<ConnectionStatusService.Applied> applied = Uni.createFrom().nullItem();
                            for (Pending sync : syncs) {
                                applied = applied.chain(() -> statuses.apply(connectionId,
                                        new LifecycleInput.DataSynced(sync.eventType(), sync.jobId(), sync.jobUrl(),
                                                sync.entityId()),
                                        new Cause(sync.receivedAt(), sync.eventId(), null, traceOf(List.of(sync)), null, null)));
                            }
                            return applied;
                        })
                        .chain(applied -> InboxStore.markDone(ids, applied == null ? IncomingOutcome.UNKNOWN_CONNECTION
                                : applied.applied() ? IncomingOutcome.APPLIED : IncomingOutcome.UNCHANGED, null)))
                .invoke(() -> {
                    if (pendingCount > syncs.size()) {
                        wake();
                    }
                });
    }

    private Uni<Void> settle(String connectionId, List<Pending> pending, Verdict verdict) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        if (verdict.kind() == Verdict.Kind.UNKNOWN_CONNECTION
                && pending.get(0).receivedAt().isAfter(now.minus(config.unknownConnectionRetry()))) {
            // A webhook can race the callback that stores its connection: wait for it, for a while.
            return retryLater(connectionId, pending, null);
        }
        if (verdict.kind() == Verdict.Kind.UNAVAILABLE) {
            // A Finch-shaped 403 or 404: not an answer about the connection, so Finch is asked again, with backoff.
            return retryLater(connectionId, pending, new FinchRefusedIntrospection(verdict.detail()));
        }
        List<String> ids = pending.stream().map(Pending::eventId).toList();
        return Panache.withTransaction(() -> fence(connectionId)
                        .chain(() -> apply(connectionId, pending, verdict, now))
                        // An answer that settles nothing yet (stale, or a refusal of the token still to be confirmed)
                        // leaves the events pending: the lease is gone, so a later round asks Finch again.
                        .call(outcome -> outcome.askAgainIn() != null ? Uni.createFrom().voidItem()
                                : InboxStore.markDone(ids, outcome.outcome(), verdict.detail())))
                .chain(outcome -> {
                    if (outcome.stale()) {
                        metrics.staleAnswer();
                        LOG.debugf("Inbox: Finch's answer about connection %s was asked before its last change; asking again",
                                connectionId);
                        wake();
                    } else if (outcome.askAgainIn() != null) {
                        return askAgainLater(connectionId, pending, outcome.askAgainIn());
                    } else if (outcome.opensEpisode()) {
                        // The session is asked of Finch after this commit; the sweeper retries it.
                        reauthSessions.sweepSoon();
                    }
                    return Uni.createFrom().voidItem();
                });
    }

    /** {@code askAgainIn}: null once the events are settled. */
    private record Settled(IncomingOutcome outcome, boolean stale, Duration askAgainIn, boolean opensEpisode) {

        static Settled done(IncomingOutcome outcome) {
            return new Settled(outcome, false, null, false);
        }
    }

    private Uni<Settled> apply(String connectionId, List<Pending> pending, Verdict verdict, OffsetDateTime now) {
        LifecycleInput input = verdict.input(now.toInstant(), pending.stream().anyMatch(Pending::saysConnectionDisconnected));
        if (input == null) {
            return Uni.createFrom().item(Settled.done(verdict.kind() == Verdict.Kind.UNKNOWN_CONNECTION
                    ? IncomingOutcome.UNKNOWN_CONNECTION : IncomingOutcome.UNVERIFIED));
        }
        Cause cause = new Cause(now, pending.get(0).eventId(), reasonFor(pending, verdict), traceOf(pending), null, null);
        return statuses.apply(connectionId, input, cause).map(applied -> {
            if (applied == null) {
                return Settled.done(IncomingOutcome.UNKNOWN_CONNECTION);
            }
            Decision decision = applied.decision();
            LOG.debugf("Inbox: connection %s, %s: %s", connectionId, input.name(), decision.kind());
            IncomingOutcome outcome = applied.applied() ? IncomingOutcome.APPLIED : IncomingOutcome.UNCHANGED;
            return new Settled(outcome, decision.kind() == Decision.Kind.STALE, decision.askAgainIn(),
                    decision.events().stream().anyMatch(event -> event instanceof LifecycleEvent.ReauthNeeded needed
                            && !needed.withSession()));
        });
    }

    /** The trace of the first request that brought an event of the batch, for the events the batch publishes. */
    private static Map<String, String> traceOf(List<Pending> pending) {
        return pending.stream().map(Pending::traceparent).filter(trace -> trace != null).findFirst()
                .map(trace -> Map.of("traceparent", trace)).orElse(Map.of());
    }

    /** The status Finch gave when Finch itself hinted; else who asked: a service's report, or reconciliation. */
    private static String reasonFor(List<Pending> pending, Verdict verdict) {
        if (pending.stream().anyMatch(p -> "http".equals(p.channel()) || "kafka".equals(p.channel()))) {
            return verdict.kind() == Verdict.Kind.OBSERVED ? EntityStatuses.overall(verdict.status(),
                    verdict.entities().entrySet().stream().map(e -> new EntityStatuses.Entity(e.getKey(), e.getValue()))
                            .toList()).finchName()
                    : ConnectionStatus.REAUTH.finchName();
        }
        return pending.stream().anyMatch(p -> "report".equals(p.channel())) ? "reported" : "reconciled";
    }

    private Uni<Void> fence(String connectionId) {
        return InboxLeaseStore.fence(connectionId, owner)
                .invoke(deleted -> {
                    if (deleted != 1) {
                        LOG.debugf("Inbox: lease on %s ran out; another instance has it", connectionId);
                        throw new LeaseLost();
                    }
                })
                .replaceWithVoid();
    }

    private Uni<Void> release(String connectionId) {
        return InboxLeaseStore.release(pool, connectionId, owner);
    }

    private Uni<Void> retryLater(String connectionId, List<Pending> pending, Throwable failure) {
        if (failure != null && shutdown.stopping()) {
            // Most likely cut off by the shutdown itself (the Finch client or the pool closing): not held against
            // the events, which the next instance takes up at once.
            LOG.debugf("Inbox: connection %s cut off by shutdown (%s); handed back without a retry delay", connectionId,
                    failure.toString());
            return release(connectionId);
        }
        int attempts = pending.stream().mapToInt(Pending::attempts).max().orElse(0);
        Duration delay = ExponentialBackoff.forAttempt(config.backoffInitial(), config.backoffMax(), attempts);
        if (failure != null) {
            if (!(failure instanceof FinchRefusedIntrospection)) {
                // Finch's refusal was counted as the answer it is (unavailable); this is no answer at all.
                metrics.introspected("failed");
            }
            if (failure instanceof FinchTransientException transientFailure && transientFailure.finchRetryAfter().isPresent()
                    && transientFailure.finchRetryAfter().get().compareTo(delay) > 0) {
                delay = transientFailure.finchRetryAfter().get();
            }
            if (failure instanceof FinchRateLimitedException && pause != null) {
                pause.accept(delay);
            }
            LOG.warnf("Inbox: Finch could not be asked about connection %s (%s); %d events wait %d ms", connectionId,
                    failure.toString(), pending.size(), delay.toMillis());
        }
        String[] ids = pending.stream().map(Pending::eventId).toArray(String[]::new);
        return InboxStore.retryLater(pool, connectionId, owner, ids, delay);
    }

    /** Finch is asked again after {@code delay}: no attempt failed, so no backoff. */
    private Uni<Void> askAgainLater(String connectionId, List<Pending> pending, Duration delay) {
        String[] ids = pending.stream().map(Pending::eventId).toArray(String[]::new);
        return InboxStore.retryLater(pool, connectionId, owner, ids, delay);
    }

    /** Finch refused the introspection with a 403 or 404 of its own: for this connection, Finch is unavailable. */
    static final class FinchRefusedIntrospection extends RuntimeException {
        FinchRefusedIntrospection(String detail) {
            super(detail, null, false, false);
        }
    }

    /** This instance's lease ran out before its commit: the transaction is rolled back, another instance redoes it. */
    static final class LeaseLost extends RuntimeException {
        LeaseLost() {
            super("inbox lease lost", null, false, false);
        }
    }
}
