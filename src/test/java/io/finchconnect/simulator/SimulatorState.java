package io.finchconnect.simulator;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The simulator's in-memory Finch: sessions, connections, codes, access tokens and sent webhook events.
 * Methods are synchronized because tests read state from their own threads while handlers change it.
 */
final class SimulatorState {

    /** What a successful code exchange hands back. */
    record TokenGrant(String accessToken, Connection connection) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private final Duration codeTtl;
    private final Clock clock;
    private final Map<String, ConnectSession> sessions = new HashMap<>();
    private final Map<String, String> stagedSessionByCustomer = new HashMap<>();
    private final Map<String, String> connectionByCustomer = new HashMap<>();
    private final Map<String, Connection> connections = new HashMap<>();
    private final Map<String, AuthorizationCode> codes = new HashMap<>();
    private final Map<String, String> connectionByToken = new HashMap<>();
    private final Map<String, WebhookEvent> events = new HashMap<>();

    SimulatorState(Duration codeTtl, Clock clock) {
        this.codeTtl = codeTtl;
        this.clock = clock;
    }

    /** Stages a session, or refreshes the customer's staged one so the session id stays the same. */
    synchronized ConnectSession stageSession(NewSessionRequest request) {
        Connection existing = customerConnection(request.customerId());
        if (existing != null && !"disconnected".equals(existing.status())) {
            throw FinchError.connectionAlreadyExists(request.customerId());
        }
        Instant expiresAt = clock.instant().plus(request.timeToExpire());
        ConnectSession session = sessions.get(stagedSessionByCustomer.get(request.customerId()));
        if (session == null || session.completed()) {
            session = ConnectSession.staged(UUID.randomUUID().toString(), request, expiresAt);
            sessions.put(session.id(), session);
            stagedSessionByCustomer.put(request.customerId(), session.id());
        } else {
            session.refresh(request, expiresAt);
        }
        return session;
    }

    synchronized ConnectSession reauthSession(ReauthSessionRequest request) {
        Connection connection = connections.get(request.connectionId());
        if (connection == null) {
            throw FinchError.notFound("connection_not_found", "Connection " + request.connectionId() + " not found");
        }
        ConnectSession session = ConnectSession.reauth(UUID.randomUUID().toString(), connection, request,
                clock.instant().plus(request.timeToExpire()));
        sessions.put(session.id(), session);
        return session;
    }

    synchronized Optional<ConnectSession> session(String sessionId) {
        return Optional.ofNullable(sessionId == null ? null : sessions.get(sessionId));
    }

    synchronized boolean isUsable(ConnectSession session) {
        return session.isUsable(clock.instant());
    }

    /**
     * Completes a session as the person's authorization does: a staged session creates the connection, a
     * reauth session brings the existing one back to connected. Returns the single-use code.
     */
    synchronized AuthorizationCode authorize(String sessionId, String provider, String redirectUri) {
        ConnectSession session = sessions.get(sessionId);
        if (session == null) {
            throw FinchError.notFound("session_not_found", "Session " + sessionId + " not found");
        }
        Instant now = clock.instant();
        if (!session.isUsable(now)) {
            throw FinchError.sessionExpired(sessionId);
        }
        Connection connection;
        if (session.kind() == ConnectSession.Kind.STAGED) {
            String providerId = provider != null ? provider
                    : session.integrationProvider() != null ? session.integrationProvider() : "gusto";
            connection = new Connection(UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                    UUID.randomUUID().toString(), UUID.randomUUID().toString(), session, providerId, now);
            connections.put(connection.id(), connection);
            connectionByCustomer.put(connection.customerId(), connection.id());
        } else {
            connection = connections.get(session.connectionId());
            connection.reauthenticated(session.products(), now);
        }
        session.markCompleted();
        AuthorizationCode code = new AuthorizationCode(randomToken(), connection.id(), redirectUri, now.plus(codeTtl));
        codes.put(code.code(), code);
        return code;
    }

    /** Exchanges a code once; the new access token replaces every earlier token of the connection. */
    synchronized TokenGrant exchange(String code, String redirectUri) {
        AuthorizationCode issued = codes.get(code);
        if (issued == null) {
            throw FinchError.invalidGrant("The authorization code is invalid or was already used");
        }
        if (!clock.instant().isBefore(issued.expiresAt())) {
            codes.remove(code);
            throw FinchError.invalidGrant("The authorization code has expired");
        }
        // OAuth's rule (RFC 6749 4.1.3), as Finch applies it: a redirect-flow code needs the very redirect_uri of
        // its session, and an embedded-flow code, issued without one, is refused with one.
        if (!Objects.equals(redirectUri, issued.redirectUri())) {
            throw FinchError.invalidGrant(issued.redirectUri() == null
                    ? "redirect_uri must be omitted: this code was issued without one"
                    : redirectUri == null ? "redirect_uri is required: this code was issued for a redirect URI"
                    : "redirect_uri does not match the one of the authorization");
        }
        codes.remove(code);
        Connection connection = connections.get(issued.connectionId());
        revokeTokens(connection.id());
        String accessToken = randomToken();
        connectionByToken.put(accessToken, connection.id());
        return new TokenGrant(accessToken, connection);
    }

    synchronized Connection connectionForToken(String accessToken) {
        String connectionId = accessToken == null ? null : connectionByToken.get(accessToken);
        if (connectionId == null) {
            throw FinchError.invalidToken();
        }
        return connections.get(connectionId);
    }

    synchronized void disconnect(Connection connection) {
        connection.changeStatus("disconnected", null, clock.instant());
        revokeTokens(connection.id());
    }

    synchronized Connection changeStatus(String connectionId, String status, String message) {
        Connection connection = requireConnection(connectionId);
        if ("disconnected".equals(status)) {
            revokeTokens(connectionId);
        }
        connection.changeStatus(status, message, clock.instant());
        return connection;
    }

    synchronized Connection requireConnection(String connectionId) {
        Connection connection = connections.get(connectionId);
        if (connection == null) {
            throw FinchError.notFound("connection_not_found", "Connection " + connectionId + " not found");
        }
        return connection;
    }

    synchronized Connection customerConnection(String customerId) {
        String connectionId = connectionByCustomer.get(customerId);
        return connectionId == null ? null : connections.get(connectionId);
    }

    synchronized Optional<ConnectSession> stagedSession(String customerId) {
        return session(stagedSessionByCustomer.get(customerId));
    }

    synchronized int activeTokenCount(String connectionId) {
        return (int) connectionByToken.values().stream().filter(connectionId::equals).count();
    }

    synchronized WebhookEvent recordEvent(String body) {
        WebhookEvent event = new WebhookEvent("msg_" + randomBase62(27), body);
        events.put(event.id(), event);
        return event;
    }

    synchronized Optional<WebhookEvent> event(String eventId) {
        return Optional.ofNullable(events.get(eventId));
    }

    private void revokeTokens(String connectionId) {
        connectionByToken.values().removeIf(connectionId::equals);
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String randomBase62(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
        }
        return text.toString();
    }
}
