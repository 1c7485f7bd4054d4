package io.finchconnect.simulator;

import java.time.Instant;
import java.util.List;

/**
 * A Connect session: either staged for a customer who has not connected yet, or a reauthentication of an
 * existing connection. Staged sessions are refreshed in place when the same customer id comes back.
 */
final class ConnectSession {

    enum Kind { STAGED, REAUTH }

    private final String id;
    private final Kind kind;
    private final String connectionId;
    private String customerId;
    private String customerName;
    private String customerEmail;
    private List<String> products;
    private String redirectUri;
    private String integrationProvider;
    private String integrationAuthMethod;
    private String sandbox;
    private Boolean manual;
    private io.vertx.core.json.JsonObject recordkeeping;
    private Instant expiresAt;
    private boolean completed;

    private ConnectSession(String id, Kind kind, String connectionId) {
        this.id = id;
        this.kind = kind;
        this.connectionId = connectionId;
    }

    static ConnectSession staged(String id, NewSessionRequest request, Instant expiresAt) {
        ConnectSession session = new ConnectSession(id, Kind.STAGED, null);
        session.refresh(request, expiresAt);
        return session;
    }

    static ConnectSession reauth(String id, Connection connection, ReauthSessionRequest request, Instant expiresAt) {
        ConnectSession session = new ConnectSession(id, Kind.REAUTH, connection.id());
        session.customerId = connection.customerId();
        session.customerName = connection.customerName();
        session.products = request.products() != null ? request.products() : connection.products();
        session.redirectUri = request.redirectUri();
        session.integrationProvider = connection.providerId();
        session.integrationAuthMethod = connection.authenticationMethod();
        session.sandbox = connection.sandbox();
        session.expiresAt = expiresAt;
        return session;
    }

    /** Replaces every parameter, as Finch does when a customer id is reused before connecting. */
    void refresh(NewSessionRequest request, Instant expiresAt) {
        customerId = request.customerId();
        customerName = request.customerName();
        customerEmail = request.customerEmail();
        products = request.products();
        redirectUri = request.redirectUri();
        integrationProvider = request.integrationProvider();
        integrationAuthMethod = request.integrationAuthMethod();
        sandbox = request.sandbox();
        manual = request.manual();
        recordkeeping = request.recordkeeping();
        this.expiresAt = expiresAt;
    }

    boolean isUsable(Instant now) {
        return !completed && now.isBefore(expiresAt);
    }

    void expireAt(Instant instant) {
        expiresAt = instant;
    }

    void markCompleted() {
        completed = true;
    }

    String id() { return id; }
    Kind kind() { return kind; }
    String connectionId() { return connectionId; }
    String customerId() { return customerId; }
    String customerName() { return customerName; }
    String customerEmail() { return customerEmail; }
    List<String> products() { return products; }
    String redirectUri() { return redirectUri; }
    String integrationProvider() { return integrationProvider; }
    String integrationAuthMethod() { return integrationAuthMethod; }
    String sandbox() { return sandbox; }
    Boolean manual() { return manual; }
    io.vertx.core.json.JsonObject recordkeeping() { return recordkeeping; }
    Instant expiresAt() { return expiresAt; }
    boolean completed() { return completed; }
}
