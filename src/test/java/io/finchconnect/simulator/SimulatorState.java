package io.finchconnect.simulator;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The simulator's in-memory Finch: sessions, connections, codes, access tokens, jobs and sent webhook events.
 * Methods are synchronized because tests read state from their own threads while handlers change it.
 */
final class SimulatorState {

    /** What a successful code exchange hands back. */
    record TokenGrant(String accessToken, Connection connection) {
    }

    /** An access token: Finch gives each one an id (introspection's {@code id}) and keeps it until /disconnect. */
    record AccessToken(String id, String connectionId) {
    }

    /** An automated job of a connection, as {@code GET /jobs/automated/{job_id}} shows it. */
    record Job(String id, String connectionId, String type, String status, Instant createdAt, Instant completedAt) {
    }

    static final int MAX_ENTITIES = 20;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private final Duration codeTtl;
    private final Clock clock;
    private final Map<String, ConnectSession> sessions = new HashMap<>();
    private final Map<String, String> stagedSessionByCustomer = new HashMap<>();
    private final Map<String, String> connectionByCustomer = new HashMap<>();
    private final Map<String, Connection> connections = new HashMap<>();
    private final Map<String, AuthorizationCode> codes = new HashMap<>();
    private final Map<String, AccessToken> tokens = new HashMap<>();
    private final Map<String, WebhookEvent> events = new LinkedHashMap<>();
    private final Map<String, Job> jobs = new HashMap<>();
    // What spent codes and revoked tokens belonged to: a replay is still a request about that connection.
    private final Map<String, String> connectionOfSpentCode = new HashMap<>();
    private final Map<String, String> connectionOfRevokedToken = new HashMap<>();

    SimulatorState(Duration codeTtl, Clock clock) {
        this.codeTtl = codeTtl;
        this.clock = clock;
    }

    /** Stages a session, or refreshes the customer's staged one so the session id stays the same. */
    synchronized ConnectSession stageSession(NewSessionRequest request) {
        Connection existing = customerConnection(request.customerId());
        if (existing != null && !"disconnected".equals(existing.status())) {
            throw FinchError.customerAlreadyConnected(request.customerId());
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
        if (connection == null || "disconnected".equals(connection.status())) {
            throw FinchError.notFound("Connection " + request.connectionId() + " not found");
        }
        ConnectSession session = ConnectSession.reauth(UUID.randomUUID().toString(), connection, request,
                clock.instant().plus(request.timeToExpire()));
        sessions.put(session.id(), session);
        return session;
    }

    /** How many reauthentication sessions Finch made for the connection: each call makes one. */
    synchronized long reauthSessionCount(String connectionId) {
        return sessions.values().stream()
                .filter(session -> session.kind() == ConnectSession.Kind.REAUTH && connectionId.equals(session.connectionId()))
                .count();
    }

    /** Ends a session's validity now (minutes_to_expire is whole minutes, too long for a test to wait). */
    synchronized ConnectSession expireSession(String sessionId) {
        ConnectSession session = sessions.get(sessionId);
        if (session == null) {
            throw FinchError.notFound("Session " + sessionId + " not found");
        }
        session.expireAt(clock.instant());
        return session;
    }

    synchronized Optional<ConnectSession> session(String sessionId) {
        return Optional.ofNullable(sessionId == null ? null : sessions.get(sessionId));
    }

    synchronized boolean isUsable(ConnectSession session) {
        return session.isUsable(clock.instant());
    }

    synchronized AuthorizationCode authorize(String sessionId, String provider, String redirectUri) {
        return authorize(sessionId, provider, redirectUri, 1, 0);
    }

    /**
     * Completes a session as the person's authorization does: a staged session creates the connection (with
     * {@code entityCount} entities), a reauth session brings the existing one back to connected, with
     * {@code newEntities} more entities the employer granted meanwhile. Returns the
     * single-use code, bound to the redirect URI the browser was sent to (none in the embedded flow).
     */
    synchronized AuthorizationCode authorize(String sessionId, String provider, String redirectUri, int entityCount,
                                             int newEntities) {
        ConnectSession session = sessions.get(sessionId);
        if (session == null) {
            throw FinchError.notFound("Session " + sessionId + " not found");
        }
        Instant now = clock.instant();
        if (!session.isUsable(now)) {
            throw FinchError.invalidRequest("Session " + sessionId + " has expired or was already used");
        }
        if (entityCount < 1 || entityCount > MAX_ENTITIES) {
            throw FinchError.invalidRequest("entities must be from 1 to " + MAX_ENTITIES);
        }
        if (newEntities != 0 && (session.kind() == ConnectSession.Kind.STAGED || newEntities < 0
                || newEntities > MAX_ENTITIES)) {
            throw FinchError.invalidRequest("new_entities is for a reauthentication session, from 0 to " + MAX_ENTITIES);
        }
        Connection connection;
        if (session.kind() == ConnectSession.Kind.STAGED) {
            String providerId = provider != null ? provider
                    : session.integrationProvider() != null ? session.integrationProvider() : "gusto";
            connection = new Connection(UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                    UUID.randomUUID().toString(), entityCount, session, providerId, now);
            connections.put(connection.id(), connection);
            connectionByCustomer.put(connection.customerId(), connection.id());
        } else {
            connection = connections.get(session.connectionId());
            connection.reauthenticated(session.products(), newEntities, now);
        }
        session.markCompleted();
        AuthorizationCode code = new AuthorizationCode(randomToken(), connection.id(), redirectUri, now.plus(codeTtl));
        codes.put(code.code(), code);
        return code;
    }

    /**
     * Exchanges a code once for a new access token. Earlier tokens of the connection stay valid: Finch keeps
     * every token of a connection until it is disconnected (a reauthentication adds one).
     */
    synchronized TokenGrant exchange(String code, String redirectUri) {
        AuthorizationCode issued = codes.get(code);
        if (issued == null) {
            throw FinchError.invalidGrant("The authorization code is invalid or was already used");
        }
        if (!clock.instant().isBefore(issued.expiresAt())) {
            spend(issued);
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
        spend(issued);
        Connection connection = connections.get(issued.connectionId());
        String accessToken = randomToken();
        tokens.put(accessToken, new AccessToken(UUID.randomUUID().toString(), connection.id()));
        return new TokenGrant(accessToken, connection);
    }

    synchronized AccessToken token(String accessToken) {
        AccessToken token = accessToken == null ? null : tokens.get(accessToken);
        if (token == null) {
            throw FinchError.invalidToken();
        }
        return token;
    }

    /**
     * The connection an access token was issued for, revoked or not, without refusing an unknown one: for scoping
     * faults and counts, never for answering.
     */
    synchronized Optional<Connection> tokenConnection(String accessToken) {
        if (accessToken == null) {
            return Optional.empty();
        }
        AccessToken token = tokens.get(accessToken);
        String connectionId = token != null ? token.connectionId() : connectionOfRevokedToken.get(accessToken);
        return Optional.ofNullable(connectionId == null ? null : connections.get(connectionId));
    }

    /**
     * The connection a code was issued for, spent, expired or not, without using it: for scoping faults and counts,
     * never for answering.
     */
    synchronized Optional<Connection> codeConnection(String code) {
        if (code == null) {
            return Optional.empty();
        }
        AuthorizationCode issued = codes.get(code);
        String connectionId = issued != null ? issued.connectionId() : connectionOfSpentCode.get(code);
        return Optional.ofNullable(connectionId == null ? null : connections.get(connectionId));
    }

    synchronized Optional<Connection> knownConnection(String connectionId) {
        return Optional.ofNullable(connectionId == null ? null : connections.get(connectionId));
    }

    synchronized Connection connectionForToken(String accessToken) {
        return connections.get(token(accessToken).connectionId());
    }

    /** Ends the connection: every one of its tokens stops working. */
    synchronized void disconnect(Connection connection) {
        connection.changeStatus("disconnected", null, clock.instant());
        revokeTokens(connection.id());
    }

    /**
     * Removes some entities of a connection and leaves the others as they are. All named entities must belong to
     * the connection and still be attached, or nothing changes.
     */
    synchronized List<Connection.Entity> disconnectEntities(Connection connection, List<String> entityIds) {
        List<Connection.Entity> removed = new ArrayList<>();
        for (String entityId : entityIds) {
            Connection.Entity entity = connection.entity(entityId)
                    .orElseThrow(() -> FinchError.invalidRequest("Entity " + entityId + " is not an entity of this connection"));
            if ("disconnected".equals(entity.status())) {
                throw FinchError.invalidRequest("Entity " + entityId + " is already disconnected");
            }
            removed.add(entity);
        }
        removed.forEach(entity -> entity.status("disconnected"));
        return removed;
    }

    synchronized Connection changeStatus(String connectionId, String status, String message) {
        Connection connection = requireConnection(connectionId);
        if ("disconnected".equals(status)) {
            revokeTokens(connectionId);
        }
        connection.changeStatus(status, message, clock.instant());
        return connection;
    }

    synchronized Connection.Entity changeEntityStatus(Connection connection, String entityId, String status) {
        Connection.Entity entity = connection.entity(entityId)
                .orElseThrow(() -> FinchError.notFound("Entity " + entityId + " not found"));
        entity.status(status);
        return entity;
    }

    synchronized Connection requireConnection(String connectionId) {
        Connection connection = connections.get(connectionId);
        if (connection == null) {
            throw FinchError.notFound("Connection " + connectionId + " not found");
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
        return (int) tokens.values().stream().filter(token -> token.connectionId().equals(connectionId)).count();
    }

    synchronized Job recordJob(Connection connection, String type, String status) {
        Instant now = clock.instant();
        boolean finished = !"pending".equals(status) && !"in_progress".equals(status);
        Job job = new Job(UUID.randomUUID().toString(), connection.id(), type, status, now, finished ? now : null);
        jobs.put(job.id(), job);
        return job;
    }

    synchronized void synced(Connection connection, Instant at) {
        connection.lastSuccessfulSync(at);
    }

    synchronized Optional<Job> job(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    synchronized WebhookEvent recordEvent(String eventType, String body, WebhookEvent.Mode mode) {
        WebhookEvent event = new WebhookEvent("msg_" + randomBase62(27), eventType, body, mode);
        events.put(event.id(), event);
        return event;
    }

    synchronized Optional<WebhookEvent> event(String eventId) {
        return Optional.ofNullable(events.get(eventId));
    }

    /** Events waiting for a delivery (held, or whose first delivery failed), oldest first. */
    synchronized List<WebhookEvent> waitingEvents() {
        return events.values().stream().filter(WebhookEvent::isWaiting).toList();
    }

    private void spend(AuthorizationCode code) {
        codes.remove(code.code());
        connectionOfSpentCode.put(code.code(), code.connectionId());
    }

    private void revokeTokens(String connectionId) {
        tokens.entrySet().removeIf(token -> {
            if (token.getValue().connectionId().equals(connectionId)) {
                connectionOfRevokedToken.put(token.getKey(), connectionId);
                return true;
            }
            return false;
        });
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
