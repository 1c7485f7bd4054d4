package io.finchconnect.connection;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.vault.EncryptedToken;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * What the API reads of connections, each in one statement on the pool ({@link ConnectionStore}): a connection with
 * its open reauth session, its sealed token, and pages of the listing.
 */
@ApplicationScoped
public class ConnectionReads {

    private final Pool pool;

    ConnectionReads(Pool pool) {
        this.pool = pool;
    }

    public record ConnectionView(String connectionId, String customerId, String status, OffsetDateTime statusChangedAt,
                                 String companyId, String providerId, String connectionType, List<String> products,
                                 List<String> entityIds, List<EntityView> entities, OffsetDateTime connectedAt,
                                 ReauthSessionView reauthSession) {
    }

    /** An attached entity and its status as Finch last gave it (a code exchange: {@code connected}, as Finch just granted it). */
    public record EntityView(String entityId, String status) {
    }

    public record ReauthSessionView(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }

    public record ConnectionSummary(String connectionId, String customerId, String status, OffsetDateTime statusChangedAt,
                                    String companyId, String providerId, String connectionType, List<String> products,
                                    List<String> entityIds, OffsetDateTime connectedAt) {
    }

    /** A page of the listing; {@code more}: a next page exists. */
    public record Page(List<ConnectionSummary> connections, boolean more) {
    }

    /** The stored token, sealed; opened only by the vault. */
    /** {@code token} null: the connection is disconnected, its token deleted with it. */
    public record SealedToken(String connectionId, String customerId, String status, EncryptedToken token) {
    }

    public Uni<ConnectionView> view(String connectionId) {
        return ConnectionStore.view(pool, connectionId).onItem().ifNull().failWith(() -> unknown(connectionId));
    }

    /** The connection's customer; {@code null} for a connection this service does not know. */
    public Uni<String> customerOf(String connectionId) {
        return ConnectionStore.customerOf(pool, connectionId);
    }

    public Uni<SealedToken> sealedToken(String connectionId) {
        return ConnectionStore.sealedToken(pool, connectionId).onItem().ifNull().failWith(() -> unknown(connectionId));
    }

    /** Keyset pagination on {@code connection_id}, filtered by status and/or customer ({@code null}: any). */
    /** {@code stale}: {@code null} any, else only the stale or only the others. */
    public Uni<Page> page(String statusName, String customer, Boolean stale, String afterKey, int size) {
        return ConnectionStore.page(pool, statusName, customer, stale, afterKey, size);
    }

    private static UnknownResourceException unknown(String connectionId) {
        return new UnknownResourceException("No connection " + connectionId);
    }
}
