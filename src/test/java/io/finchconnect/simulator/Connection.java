package io.finchconnect.simulator;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** A customer's connection to a provider, with the ids Finch hands out and its current status. */
final class Connection {

    static final Set<String> STATUSES = Set.of("pending", "processing", "connected", "error_no_account_setup",
            "error_permissions", "reauth", "disconnected");

    private final String id;
    private final String companyId;
    private final String accountId;
    private final String entityId;
    private final String customerId;
    private final String customerName;
    private final String providerId;
    private final String sandbox;
    private final String authenticationMethod;
    private List<String> products;
    private String status;
    private String message;
    private Instant lastSuccessfulSync;

    Connection(String id, String companyId, String accountId, String entityId, ConnectSession session,
               String providerId, Instant now) {
        this.id = id;
        this.companyId = companyId;
        this.accountId = accountId;
        this.entityId = entityId;
        this.customerId = session.customerId();
        this.customerName = session.customerName();
        this.providerId = providerId;
        this.sandbox = session.sandbox();
        this.authenticationMethod = session.integrationAuthMethod() != null ? session.integrationAuthMethod() : "credential";
        this.products = session.products();
        markConnected(now);
    }

    void markConnected(Instant now) {
        status = "connected";
        message = null;
        lastSuccessfulSync = now;
    }

    void reauthenticated(List<String> newProducts, Instant now) {
        products = newProducts;
        markConnected(now);
    }

    void changeStatus(String newStatus, String newMessage, Instant now) {
        status = newStatus;
        message = newMessage;
        if ("connected".equals(newStatus)) {
            lastSuccessfulSync = now;
        }
    }

    String connectionType() {
        return "finch".equals(sandbox) ? "finch" : "provider";
    }

    String id() { return id; }
    String companyId() { return companyId; }
    String accountId() { return accountId; }
    String entityId() { return entityId; }
    String customerId() { return customerId; }
    String customerName() { return customerName; }
    String providerId() { return providerId; }
    String sandbox() { return sandbox; }
    String authenticationMethod() { return authenticationMethod; }
    List<String> products() { return products; }
    String status() { return status; }
    String message() { return message; }
    Instant lastSuccessfulSync() { return lastSuccessfulSync; }
}
