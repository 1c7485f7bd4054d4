package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.ConnectionStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/** A customer as other services read it: its staged session and its connections, old ones included. */
@ApplicationScoped
public class CustomerReads {

    private final Pool pool;

    CustomerReads(Pool pool) {
        this.pool = pool;
    }

    /** {@code consumedAt}: when the customer connected through it; a consumed session is not handed out again. */
    public record StagedSessionView(String sessionId, OffsetDateTime expiresAt, List<String> products, OffsetDateTime refreshedAt,
                                    OffsetDateTime consumedAt) {
    }

    public record ConnectionSummary(String connectionId, String status, OffsetDateTime connectedAt) {
    }

    public record CustomerView(String customerId, String customerName, String customerEmail, OffsetDateTime createdAt,
                               StagedSessionView stagedSession, List<ConnectionSummary> connections) {
    }

    public Uni<CustomerView> view(String customerId) {
        return CustomerStore.withStagedSession(pool, customerId)
                .onItem().ifNull().failWith(() -> new UnknownResourceException("No customer " + customerId))
                .chain(customer -> ConnectionStore.ofCustomer(pool, customerId).map(connections -> {
                    List<ConnectionSummary> summaries = connections.stream().map(connection -> new ConnectionSummary(
                            connection.connectionId(), connection.status(), connection.connectedAt())).toList();
                    return new CustomerView(customer.customerId(), customer.customerName(), customer.customerEmail(),
                            customer.createdAt(), customer.stagedSession(), summaries);
                }));
    }
}
