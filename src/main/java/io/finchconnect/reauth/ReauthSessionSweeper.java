package io.finchconnect.reauth;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.Executor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import io.finchconnect.common.backoff.ExponentialBackoff;
import io.finchconnect.common.lifecycle.ShutdownSignal;
import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.connection.ConnectionStore.ReauthDue;
import io.finchconnect.finch.client.ConnectSession;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.FinchRejectedException;
import io.finchconnect.finch.client.FinchTransientException;
import io.finchconnect.finch.client.ReauthSessionRequest;
import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.reauth.ReauthSessionStore.CreatedSession;
import io.finchconnect.reauth.config.ReauthConfig;
import io.finchconnect.state.ConnectStates;
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
 * Creates each reauth episode's reauthentication session with Finch after the transition to reauth has
 * committed, and publishes it as a follow-up {@code finch.connection.reauth_needed} event. Durable: the work
 * is found again from the database, so a crash, a Finch outage or a 429 only delays it; a lease keeps two
 * instances from asking Finch for the same episode, and the table's key keeps one session per episode.
 */
@ApplicationScoped
public class ReauthSessionSweeper {

    private static final Logger LOG = Logger.getLogger(ReauthSessionSweeper.class);

    private final Pool pool;
    private final FinchGateway finch;
    private final ReauthAnnouncer announcer;
    private final ReauthConfig config;
    private final Vertx vertx;
    private final ConnectStates states;
    private final String defaultRedirectUri;
    private final List<String> redirectUris;
    private final ShutdownSignal shutdown;

    ReauthSessionSweeper(Pool pool, FinchGateway finch, ReauthAnnouncer announcer, ReauthConfig config, Vertx vertx,
                         ConnectStates states, FinchConfig finchConfig, ShutdownSignal shutdown) {
        this.pool = pool;
        this.shutdown = shutdown;
        this.states = states;
        // For a customer without a redirect-flow session request: the first allowed redirect URI is this service's own.
        this.defaultRedirectUri = finchConfig.redirectUris().get(0);
        this.redirectUris = finchConfig.redirectUris();
        this.finch = finch;
        this.announcer = announcer;
        this.config = config;
        this.vertx = vertx;
    }

    @Scheduled(every = "${reauth.sweep-interval:5s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledSweep() {
        return shutdown.round(this::sweep);
    }

    /** Sweeps at once without holding up the caller (a webhook that just committed a transition to reauth). */
    public void sweepSoon() {
        shutdown.round(this::sweep).subscribe().with(done -> { },
                failure -> LOG.debugf("Reauth session sweep failed: %s", failure.toString()));
    }

    /**
     * One sweep, on a safe sub-context of its own: Hibernate Reactive needs one, and the Finch client may
     * complete on another context, so every step after it is brought back here.
     */
    public Uni<Void> sweep() {
        return sweep(config.sweepBatchSize(), null, true);
    }

    /** Creates the current episode's session of one connection now, unless a valid one exists or another instance is on it. */
    public Uni<Void> createNow(String connectionId) {
        return sweep(1, connectionId, false);
    }

    /** {@code background}: a sweep rather than a caller's request, so it stops when shutdown begins. */
    private Uni<Void> sweep(int limit, String connectionId, boolean background) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext().getDelegate());
        VertxContextSafetyToggle.setContextSafe(context, true);
        Executor onContext = command -> context.runOnContext(ignored -> command.run());
        return Uni.createFrom().voidItem().emitOn(onContext)
                .chain(() -> ConnectionStore.leaseDueForReauthSession(pool, limit, config.lease(), connectionId))
                .onItem().transformToMulti(due -> Multi.createFrom().iterable(due))
                // What shutdown catches unstarted is handed back, so the next instance need not wait out the lease.
                .onItem().transformToUniAndConcatenate(due -> background && shutdown.stopping()
                        ? ConnectionStore.handBackReauthSession(pool, due).emitOn(onContext)
                        : createSession(due, onContext))
                .collect().last().replaceWithVoid()
                // A sweep that hangs would keep every later one from running (they skip while one runs).
                .ifNoItem().after(config.lease()).fail()
                .onFailure().invoke(failure -> shutdown.warnUnlessStopping(LOG, "Reauth session sweep failed: %s",
                        failure.toString()))
                .onFailure().recoverWithNull();
    }

    /**
     * Finch makes a new session on every call, so the intent is recorded first and a creation is asked only while
     * none stands: one in flight per episode across instances (an instance that dies during the call holds it back
     * for the lease only), and none after an unclear outcome until {@code reauth.uncertain-retry-after} (Finch offers
     * no way to look a session up; one it may have made then is never handed out and expires unused).
     */
    private Uni<Void> createSession(ReauthDue due, Executor onContext) {
        return ReauthIntentStore.record(pool, due, config.lease())
                .emitOn(onContext)
                .chain(attempt -> attempt == 0 ? Uni.createFrom().voidItem() : ask(due, attempt, onContext));
    }

    private Uni<Void> ask(ReauthDue due, int attempt, Executor onContext) {
        if (attempt > 1) {
            LOG.warnf("Reauthentication session for connection %s (episode %d): asking Finch again after an earlier "
                    + "attempt whose outcome stayed unclear", due.connectionId(), due.episode());
        }
        return redirectUriOf(due).emitOn(onContext)
                .chain(redirectUri -> finch.createReauthSession(new ReauthSessionRequest(due.connectionId(),
                                config.minutesToExpire(), null, redirectUri))
                        .emitOn(onContext)
                        .map(session -> created(session))
                        .onFailure().recoverWithUni(failure -> notCreated(due, failure).emitOn(onContext)
                                .replaceWith((CreatedSession) null))
                        .chain(created -> created == null ? Uni.createFrom().voidItem()
                                : keep(due, created, redirectUri, onContext)))
                // Only the redirect URI's lookup fails here (Finch not asked): the intent goes, the episode is tried later.
                .onFailure().recoverWithUni(failure -> notCreated(due, failure).emitOn(onContext));
    }

    /**
     * The employer comes back where their last session request sent them (its staged session's redirect URI), as a
     * durable link's visit of a staged session does, since a visit during the episode reuses this session.
     */
    private Uni<String> redirectUriOf(ReauthDue due) {
        return ConnectionStore.customersRedirectUri(pool, due.connectionId())
                // One since removed from FINCH_REDIRECT_URIS would have Finch refuse every session of the episode.
                .map(uri -> uri != null && redirectUris.contains(uri) ? uri : defaultRedirectUri);
    }

    /** Finch made it: stored (retried a few times, the session exists now), then the intent is cleared. */
    private Uni<Void> keep(ReauthDue due, CreatedSession created, String redirectUri, Executor onContext) {
        return Panache.withTransaction(() -> store(due, created, redirectUri))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(5)
                .chain(() -> ReauthIntentStore.clear(pool, due).emitOn(onContext))
                .onFailure().invoke(failure -> LOG.errorf("Reauthentication session %s for connection %s was created but "
                        + "could not be stored (%s); no other is asked for before %s", created.sessionId(), due.connectionId(),
                        failure.toString(), config.uncertainRetryAfter()))
                .onFailure().recoverWithUni(() -> ReauthIntentStore.extend(pool, due, config.uncertainRetryAfter())
                        .onFailure().recoverWithNull());
    }

    private Uni<Void> notCreated(ReauthDue due, Throwable failure) {
        if (FinchGateway.mayHaveActed(failure)) {
            // A WARN even when the shutdown cut the call off (after its grace): Finch may have made a session all the
            // same, so none is asked for until then, which an operator should know.
            LOG.warnf("Reauthentication session for connection %s: unclear whether Finch made one (%s); not asking "
                    + "again before %s", due.connectionId(), failure.toString(), config.uncertainRetryAfter());
            return ReauthIntentStore.extend(pool, due, config.uncertainRetryAfter())
                    .chain(() -> ConnectionStore.retryReauthSessionLater(pool, due, config.uncertainRetryAfter()))
                    .onFailure().recoverWithNull();
        }
        if (shutdown.stopping()) {
            // Most likely cut off by the shutdown (the Finch client closing): no attempt counted, no delay.
            LOG.debugf("Reauthentication session for connection %s cut off by shutdown (%s); handed back", due.connectionId(),
                    failure.toString());
            return ReauthIntentStore.clear(pool, due).chain(() -> ConnectionStore.handBackReauthSession(pool, due))
                    .onFailure().recoverWithNull();
        }
        return ReauthIntentStore.clear(pool, due).chain(() -> retryLater(due, failure)).onFailure().recoverWithNull();
    }

    private CreatedSession created(ConnectSession session) {
        return new CreatedSession(session.sessionId(), session.connectUrl(),
                OffsetDateTime.now().plusMinutes(config.minutesToExpire()));
    }

    /** The link handed out: Finch's URL with our signed state, so the callback knows whose session it was. */
    private String linkFor(Connection connection, CreatedSession created) {
        return states.withState(created.connectUrl(), connection.customerId, created.sessionId(), null,
                created.expiresAt().toInstant());
    }

    /** Stores the session and its event, unless the episode ended meanwhile (reconnected, or a new episode). */
    private Uni<Void> store(ReauthDue due, CreatedSession created, String redirectUri) {
        return Connection.<Connection>findById(due.connectionId(), LockModeType.PESSIMISTIC_WRITE)
                .chain(connection -> {
                    if (!announcer.stillOpen(connection, due.episode())) {
                        LOG.debugf("Reauth episode %d of %s ended before its session was stored", due.episode(),
                                due.connectionId());
                        return Uni.createFrom().voidItem();
                    }
                    String link = linkFor(connection, created);
                    // The callback's code exchange must name the same redirect_uri (docs/finch.md, /auth/token).
                    return ReauthSessionStore.store(false, due.connectionId(), due.episode(), created, link, redirectUri)
                            .chain(inserted -> inserted == 1 ? announcer.announce(connection, created, link)
                                    : Uni.createFrom().voidItem());
                });
    }

    private Uni<Void> retryLater(ReauthDue due, Throwable failure) {
        Duration delay = delayAfter(due.attempts(), failure);
        if (failure instanceof FinchRejectedException rejected) {
            // Finch refused the request itself: asking again soon cannot help; an operator has to look.
            LOG.errorf("Finch refused a reauthentication session for connection %s (%d %s); next try in %d s",
                    due.connectionId(), rejected.finchStatus(), rejected.finchCode(), delay.toSeconds());
            return ConnectionStore.retryReauthSessionLater(pool, due, delay).onFailure().recoverWithNull();
        }
        LOG.warnf("Reauthentication session for connection %s not created yet (%s); next try in %d s",
                due.connectionId(), failure.toString(), delay.toSeconds());
        return ConnectionStore.retryReauthSessionLater(pool, due, delay).onFailure().recoverWithNull();
    }

    /** Exponential with jitter, never sooner than Finch's Retry-After. */
    Duration delayAfter(int attempts, Throwable failure) {
        if (failure instanceof FinchRejectedException) {
            return config.backoffMax();
        }
        Duration delay = ExponentialBackoff.forAttempt(config.backoffInitial(), config.backoffMax(), attempts);
        if (failure instanceof FinchTransientException transientFailure && transientFailure.finchRetryAfter().isPresent()) {
            Duration retryAfter = transientFailure.finchRetryAfter().get();
            return retryAfter.compareTo(delay) > 0 ? retryAfter : delay;
        }
        return delay;
    }
}
