package io.finchconnect.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A customer's connection to a provider, with the ids Finch hands out, its current status and its entities
 * (one, or several for a multi-entity connection, each with its own status).
 */
final class Connection {

    /** Finch's {@code ConnectionStatusType}, plus {@code disconnected} for a connection ended by /disconnect. */
    static final Set<String> STATUSES = Set.of("pending", "processing", "connected", "error_no_account_setup",
            "error_permissions", "reauth", "disconnected");
    /** What an entity's status may be (SDK {@code Introspection.Entity.status}). */
    static final Set<String> ENTITY_STATUSES = STATUSES;

    /** One entity of the connection (SDK {@code Introspection.Entity}). */
    static final class Entity {
        private final String id;
        private final String name;
        private final String sourceId;
        private String status;

        Entity(String id, String name, String sourceId, String status) {
            this.id = id;
            this.name = name;
            this.sourceId = sourceId;
            this.status = status;
        }

        String id() { return id; }
        String name() { return name; }
        String sourceId() { return sourceId; }
        String status() { return status; }
        void status(String newStatus) { status = newStatus; }
    }

    private final String id;
    private final String companyId;
    private final String accountId;
    private final List<Entity> entities = new ArrayList<>();
    private final String customerId;
    private final String customerName;
    private final String customerEmail;
    private final String providerId;
    private final String sandbox;
    private final String authenticationMethod;
    private final boolean manual;
    private List<String> products;
    private String status;
    private String message;
    private Instant lastSuccessfulSync;

    Connection(String id, String companyId, String accountId, int entityCount, ConnectSession session,
               String providerId, Instant now) {
        this.id = id;
        this.companyId = companyId;
        this.accountId = accountId;
        this.customerId = session.customerId();
        this.customerName = session.customerName();
        this.customerEmail = session.customerEmail();
        this.providerId = providerId;
        this.sandbox = session.sandbox();
        this.authenticationMethod = session.integrationAuthMethod() != null ? session.integrationAuthMethod() : "credential";
        this.manual = Boolean.TRUE.equals(session.manual());
        this.products = session.products();
        for (int i = 0; i < entityCount; i++) {
            entities.add(new Entity(UUID.randomUUID().toString(),
                    entityCount == 1 ? session.customerName() : session.customerName() + " " + (i + 1),
                    "src-" + (i + 1), "connected"));
        }
        markConnected(now);
    }

    void markConnected(Instant now) {
        status = "connected";
        message = null;
        lastSuccessfulSync = now;
    }

    /** A completed reauthentication: the connection and its entities that were not removed are connected again. */
    void reauthenticated(List<String> newProducts, int newEntities, Instant now) {
        products = newProducts;
        int known = entities.size();
        for (int i = 1; i <= newEntities; i++) {
            entities.add(new Entity(UUID.randomUUID().toString(), customerName + " " + (known + i), "src-" + (known + i),
                    "connected"));
        }
        markConnected(now);
        for (Entity entity : entities) {
            if (!"disconnected".equals(entity.status())) {
                entity.status("connected");
            }
        }
    }

    /** A status of the whole connection applies to every entity still attached to it. */
    void changeStatus(String newStatus, String newMessage, Instant now) {
        status = newStatus;
        message = newMessage;
        if ("connected".equals(newStatus)) {
            lastSuccessfulSync = now;
        }
        for (Entity entity : entities) {
            if (!"disconnected".equals(entity.status())) {
                entity.status(newStatus);
            }
        }
    }

    Optional<Entity> entity(String entityId) {
        return entities.stream().filter(entity -> entity.id().equals(entityId)).findFirst();
    }

    String connectionType() {
        return "finch".equals(sandbox) ? "finch" : "provider";
    }

    List<String> entityIds() {
        return entities.stream().map(Entity::id).toList();
    }

    String id() { return id; }
    String companyId() { return companyId; }
    String accountId() { return accountId; }
    List<Entity> entities() { return entities; }
    String customerId() { return customerId; }
    String customerName() { return customerName; }
    String customerEmail() { return customerEmail; }
    String providerId() { return providerId; }
    String sandbox() { return sandbox; }
    String authenticationMethod() { return authenticationMethod; }
    boolean manual() { return manual; }
    List<String> products() { return products; }
    String status() { return status; }
    String message() { return message; }
    Instant lastSuccessfulSync() { return lastSuccessfulSync; }

    void lastSuccessfulSync(Instant at) {
        lastSuccessfulSync = at;
    }
}
