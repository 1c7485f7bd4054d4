package io.finchconnect.session;

import java.time.Duration;
import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.connection.ConnectionStore.LiveConnection;
import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.finchconnect.link.ConnectLinkStore.VisitedLink;
import io.finchconnect.link.DurableLinks;
import io.finchconnect.link.VisitLimits;
import io.finchconnect.link.config.ConnectLinkConfig;
import io.finchconnect.reauth.ReauthLinkPendingException;
import io.finchconnect.reauth.ReauthLinks;
import io.finchconnect.reauth.ReauthSessionStore;
import io.finchconnect.reauth.ReauthSessionStore.CreatedSession;
import io.finchconnect.session.CustomerStore.Contact;
import io.finchconnect.session.StagedSessionStore.StagedSession;
import io.finchconnect.state.ConnectStates;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * A visit of a durable link ({@code GET /connect/{link}}): decided by the customer's state now, never by the link's
 * purpose. It consumes nothing: every visit gets a fresh sealed state on the session's Finch URL, so a failed
 * exchange spends that visit's state and the link stays good. Finch is asked (a staged session refreshed, a
 * reauthentication session created) by at most one visit per customer per interval; the others wait for its session.
 */
@ApplicationScoped
public class LinkVisits {

    private static final Logger LOG = Logger.getLogger(LinkVisits.class);
    private static final Duration POLL = Duration.ofMillis(150);

    private final Pool pool;
    private final DurableLinks links;
    private final VisitLimits limits;
    private final StagedSessions staged;
    private final ReauthLinks reauthLinks;
    private final ConnectStates states;
    private final ConnectLinkConfig config;
    private final String defaultRedirectUri;

    LinkVisits(Pool pool, DurableLinks links, VisitLimits limits, StagedSessions staged, ReauthLinks reauthLinks,
               ConnectStates states, ConnectLinkConfig config, FinchConfig finch) {
        this.pool = pool;
        this.links = links;
        this.limits = limits;
        this.staged = staged;
        this.reauthLinks = reauthLinks;
        this.states = states;
        this.config = config;
        this.defaultRedirectUri = finch.redirectUris().get(0);
    }

    /** What a visit answers. */
    public sealed interface Outcome {
    }

    /** To Finch's Connect page, with this visit's state. */
    public record ToFinch(String url) implements Outcome {
    }

    public record AlreadyConnected(String customerId) implements Outcome {
    }

    /** Unknown, expired, revoked, or its episode ended: one answer for all. */
    public record NotFound() implements Outcome {
    }

    public record TooMany(Duration retryAfter) implements Outcome {
    }

    /** Finch's session is not there yet (another visit asks for it, or Finch failed): the same link works shortly. */
    public record NotYet(Duration retryAfter) implements Outcome {
    }

    public Uni<Outcome> visit(String token, String address) {
        return links.find(token).chain(link -> limits.admit(address, link == null ? null : link.linkId())
                .chain(over -> {
                    if (over.isPresent()) {
                        return Uni.createFrom().item((Outcome) new TooMany(over.get()));
                    }
                    if (link == null || !link.live() || episodeEnded(link)) {
                        return Uni.createFrom().item((Outcome) new NotFound());
                    }
                    return decide(link.customerId());
                }));
    }

    /** An episode's link lives until its episode ends. */
    private static boolean episodeEnded(VisitedLink link) {
        if (link.connectionId() == null) {
            return false;
        }
        if (link.connectionStatus() == null || !link.episode().equals(link.connectionEpisode())) {
            return true;
        }
        boolean needsEmployer = ConnectionStatus.fromFinch(link.connectionStatus()).map(ConnectionStatus::needsEmployer).orElse(false);
        return !needsEmployer && !Boolean.TRUE.equals(link.episodeOpen());
    }

    private Uni<Outcome> decide(String customerId) {
        return ConnectionStore.liveConnectionOf(pool, customerId).chain(connection -> {
            if (connection == null) {
                return staged(customerId);
            }
            if (ConnectionStatus.fromFinch(connection.status()).map(ConnectionStatus::needsEmployer).orElse(false)) {
                return reauth(customerId, connection);
            }
            return Uni.createFrom().item(new AlreadyConnected(customerId));
        });
    }

    private Uni<Outcome> staged(String customerId) {
        return StagedSessionStore.ofCustomer(pool, customerId).chain(session -> {
            if (session == null) {
                // Known only from an embedded-flow exchange: no session request whose parameters a visit could reuse.
                return Uni.createFrom().item(new NotFound());
            }
            if (usable(session)) {
                return Uni.createFrom().item(toFinch(customerId, session.connectUrl(), session.sessionId(), session.expiresAt()));
            }
            return limits.claimFinchCall(customerId).chain(claimed -> claimed ? refresh(customerId, session)
                    : awaitStaged(customerId, deadline()));
        });
    }

    /** A redirect-flow session: one staged without a redirect URI (the embedded flow) cannot bring the browser back. */
    private static boolean usable(StagedSession session) {
        return session.valid() && session.redirectUri() != null;
    }

    private Uni<Outcome> refresh(String customerId, StagedSession session) {
        return CustomerStore.contact(pool, customerId).chain(contact -> staged.createOrRefresh(refreshOf(customerId, contact, session)))
                .map(refreshed -> (Outcome) new ToFinch(refreshed.connectUrl()))
                .onFailure(ConnectionExistsException.class).recoverWithUni(() -> decideAgain(customerId))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("A link visit of customer %s could not refresh its staged session: %s", customerId,
                            failure.getClass().getSimpleName());
                    return new NotYet(Duration.ofSeconds(config.finchCallInterval().toSeconds() + 1));
                });
    }

    /** The customer connected meanwhile: decided once more, without asking Finch. */
    private Uni<Outcome> decideAgain(String customerId) {
        return ConnectionStore.liveConnectionOf(pool, customerId).map(connection -> connection == null
                ? new NotYet(Duration.ofSeconds(1)) : new AlreadyConnected(customerId));
    }

    private StagedSessionRequest refreshOf(String customerId, Contact contact, StagedSession session) {
        StagedSessionRequest request = ConnectLinks.refreshOf(customerId, contact, session);
        if (request.redirectUri() != null) {
            return request;
        }
        return new StagedSessionRequest(request.customerId(), request.customerName(), request.customerEmail(), request.products(),
                defaultRedirectUri, request.integrationProvider(), request.integrationAuthMethod(), request.sandbox(),
                request.manual(), request.minutesToExpire(), null, request.recordkeeping());
    }

    private Uni<Outcome> awaitStaged(String customerId, long deadline) {
        return StagedSessionStore.ofCustomer(pool, customerId).chain(session -> {
            if (session != null && usable(session)) {
                return Uni.createFrom().item(toFinch(customerId, session.connectUrl(), session.sessionId(), session.expiresAt()));
            }
            if (System.nanoTime() > deadline) {
                return Uni.createFrom().item(new NotYet(Duration.ofSeconds(2)));
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(POLL).chain(() -> awaitStaged(customerId, deadline));
        });
    }

    private Uni<Outcome> reauth(String customerId, LiveConnection connection) {
        String connectionId = connection.connectionId();
        int episode = connection.reauthEpisode();
        return ReauthSessionStore.currentSession(pool, connectionId, episode).chain(session -> {
            if (session != null) {
                return Uni.createFrom().item(toFinch(customerId, session));
            }
            return limits.claimFinchCall(customerId).chain(claimed -> claimed
                    ? reauthLinks.current(connectionId, episode).map(created -> toFinch(customerId, created))
                            .onFailure(ReauthLinkPendingException.class).recoverWithUni(() -> awaitReauth(customerId, connectionId,
                                    episode, deadline()))
                    : awaitReauth(customerId, connectionId, episode, deadline()));
        });
    }

    private Uni<Outcome> awaitReauth(String customerId, String connectionId, int episode, long deadline) {
        return ReauthSessionStore.currentSession(pool, connectionId, episode).chain(session -> {
            if (session != null) {
                return Uni.createFrom().item(toFinch(customerId, session));
            }
            if (System.nanoTime() > deadline) {
                return Uni.createFrom().item(new NotYet(Duration.ofSeconds(5)));
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(POLL)
                    .chain(() -> awaitReauth(customerId, connectionId, episode, deadline));
        });
    }

    /** A reauthentication session is stored with the state it was announced with; each visit gets its own instead. */
    private Outcome toFinch(String customerId, CreatedSession session) {
        return toFinch(customerId, withoutState(session.connectUrl()), session.sessionId(), session.expiresAt());
    }

    private Outcome toFinch(String customerId, String finchUrl, String sessionId, OffsetDateTime expiresAt) {
        return new ToFinch(states.withState(finchUrl, customerId, sessionId, null, expiresAt.toInstant()));
    }

    static String withoutState(String url) {
        int at = url.lastIndexOf("state=");
        if (at > 0 && (url.charAt(at - 1) == '&' || url.charAt(at - 1) == '?') && url.indexOf('&', at) < 0) {
            return url.substring(0, at - 1);
        }
        return url;
    }

    private long deadline() {
        return System.nanoTime() + config.sessionWait().toNanos();
    }
}
