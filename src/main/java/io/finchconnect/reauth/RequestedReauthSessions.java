package io.finchconnect.reauth;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionDisconnectedException;
import io.finchconnect.connection.ConnectionLifecycle.Cause;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.connection.ConnectionStore.ReauthDue;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.ReauthSessionRequest;
import io.finchconnect.reauth.ReauthSessionStore.CreatedSession;
import io.finchconnect.reauth.config.ReauthConfig;
import io.finchconnect.state.ConnectStates;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * A reauthentication session asked for through the API ({@code POST /v1/connect/sessions/reauthenticate}): the
 * same record as the sweeper's, stored and announced with {@code finch.connection.reauth_needed}. For a connection
 * that needs the employer it becomes the current episode's session; for one that does not, it opens an episode
 * with reason {@code requested}, closed by {@code reauthenticated} when the employer completes it.
 * Finch makes a new session on every call, so the same intent rows as the sweeper's allow one creation per
 * connection and episode in flight, and none after an unclear outcome until {@code reauth.uncertain-retry-after}.
 */
@ApplicationScoped
public class RequestedReauthSessions {

    private static final Logger LOG = Logger.getLogger(RequestedReauthSessions.class);
    public static final String REQUESTED = "requested";

    private final Pool pool;
    private final FinchGateway finch;
    private final ConnectStates states;
    private final ReauthAnnouncer announcer;
    private final ReauthMetrics metrics;
    private final ReauthConfig config;

    RequestedReauthSessions(Pool pool, FinchGateway finch, ConnectStates states, ReauthAnnouncer announcer,
                            ReauthMetrics metrics, ReauthConfig config) {
        this.pool = pool;
        this.finch = finch;
        this.states = states;
        this.announcer = announcer;
        this.metrics = metrics;
        this.config = config;
    }

    /** What the caller asks for; {@code redirectUri} null: an embedded-flow session. */
    public record Request(String connectionId, List<String> products, String redirectUri, int minutesToExpire,
                          String callerState) {
    }

    /** The session handed out: its link carries our signed state when it is a redirect-flow session. */
    public record Link(String sessionId, String connectUrl, String connectionId, String customerId, OffsetDateTime expiresAt) {
    }

    /** {@code null} when this service knows no such connection. */
    public Uni<Link> create(Request request) {
        // Plain pooled statements, released before Finch is called: no request holds a connection while it waits.
        return ConnectionStore.reauthStanding(pool, request.connectionId()).chain(standing -> {
            if (standing == null) {
                return Uni.createFrom().nullItem();
            }
            ConnectionStatus status = ConnectionStatus.fromFinch(standing.status()).orElseThrow();
            if (status == ConnectionStatus.DISCONNECTED) {
                throw new ConnectionDisconnectedException(request.connectionId());
            }
            int current = standing.reauthEpisode();
            boolean joinsCurrent = status.needsEmployer() || standing.episodeOpen();
            ReauthDue due = new ReauthDue(request.connectionId(), joinsCurrent ? current : current + 1, 0);
            return ReauthIntentStore.record(pool, due, config.lease())
                    .chain(attempt -> {
                        if (attempt == 0) {
                            throw new ReauthSessionInFlightException(request.connectionId());
                        }
                        return ask(request, standing.customerId(), due);
                    });
        });
    }

    private Uni<Link> ask(Request request, String customerId, ReauthDue due) {
        return finch.createReauthSession(new ReauthSessionRequest(request.connectionId(), request.minutesToExpire(),
                        request.products(), request.redirectUri()))
                .onFailure().call(failure -> notCreated(due, failure))
                .chain(session -> {
                    OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(request.minutesToExpire());
                    String link = request.redirectUri() == null ? session.connectUrl()
                            : states.withState(session.connectUrl(), customerId, session.sessionId(), request.callerState(),
                                    expiresAt.toInstant());
                    CreatedSession created = new CreatedSession(session.sessionId(), session.connectUrl(), expiresAt);
                    return keep(request, due, created, link)
                            .replaceWith(new Link(session.sessionId(), link, request.connectionId(), customerId, expiresAt));
                });
    }

    /** An unclear outcome keeps the intent (no blind second session); a clear refusal releases it. */
    private Uni<Void> notCreated(ReauthDue due, Throwable failure) {
        if (FinchGateway.mayHaveActed(failure)) {
            LOG.warnf("Requested reauthentication session for connection %s: unclear whether Finch made one (%s); not asking "
                    + "again before %s", due.connectionId(), failure.toString(), config.uncertainRetryAfter());
            return ReauthIntentStore.extend(pool, due, config.uncertainRetryAfter()).onFailure().recoverWithNull();
        }
        return ReauthIntentStore.clear(pool, due).onFailure().recoverWithNull();
    }

    /**
     * Stores the session and its event in one transaction, unless the connection moved on meanwhile (a status
     * change began or ended an episode): then nothing is stored and the caller asks again.
     */
    private Uni<Void> keep(Request request, ReauthDue due, CreatedSession created, String link) {
        return Panache.withTransaction(() -> Connection.<Connection>findById(request.connectionId(), LockModeType.PESSIMISTIC_WRITE)
                        .chain(connection -> {
                            if (!announcer.stillOpen(connection, due.episode())) {
                                return Uni.createFrom().item(false);
                            }
                            // On a connection that needs nothing, the session opens an episode of its own.
                            Cause cause = new Cause(OffsetDateTime.now(), "request_" + UUID.randomUUID(), REQUESTED,
                                    Map.of(), null, null);
                            return ReauthSessionStore.store(true, connection.connectionId, due.episode(), created, link,
                                            request.redirectUri())
                                    .chain(() -> announcer.announce(connection, due.episode(), created, link, cause))
                                    .replaceWith(true);
                        }))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2)).atMost(3)
                .onFailure().invoke(failure -> LOG.errorf("Reauthentication session %s for connection %s was created but could "
                        + "not be stored (%s); no other is asked for before %s", created.sessionId(), request.connectionId(),
                        failure.toString(), config.uncertainRetryAfter()))
                // Stored or not, Finch answered: the intent goes (should that fail, it lapses at its retry_at).
                .chain(stored -> ReauthIntentStore.clear(pool, due).onFailure().recoverWithNull().replaceWith(stored))
                .invoke(stored -> {
                    if (!stored) {
                        throw new ConnectionChangedException();
                    }
                })
                .replaceWithVoid();
    }
}
