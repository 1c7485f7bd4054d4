package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.link.ConnectLinkStore.LinkSummary;
import io.finchconnect.link.DurableLinks;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/** A customer as other services read it: its staged session, its connections and its durable links, old ones included. */
@ApplicationScoped
public class CustomerReads {

    private final Pool pool;
    private final DurableLinks links;

    CustomerReads(Pool pool, DurableLinks links) {
        this.pool = pool;
        this.links = links;
    }

    /** {@code consumedAt}: when the customer connected through it; a consumed session is not handed out again. */
    public record StagedSessionView(String sessionId, OffsetDateTime expiresAt, List<String> products, OffsetDateTime refreshedAt,
                                    OffsetDateTime consumedAt) {
    }

    public record ConnectionSummary(String connectionId, String status, OffsetDateTime connectedAt) {
    }

    public record CustomerView(String customerId, String customerName, String customerEmail, OffsetDateTime createdAt,
                               StagedSessionView stagedSession, List<ConnectionSummary> connections,
                               List<LinkSummary> links) {
    }

    public Uni<CustomerView> view(String customerId) {
        return CustomerStore.withStagedSession(pool, customerId)
                .onItem().ifNull().failWith(() -> new UnknownResourceException("No customer " + customerId))
                .chain(customer -> ConnectionStore.ofCustomer(pool, customerId).chain(connections -> links.ofCustomer(customerId)
                        .map(durable -> {
                            List<ConnectionSummary> summaries = connections.stream().map(connection -> new ConnectionSummary(
                                    connection.connectionId(), connection.status(), connection.connectedAt())).toList();
                            return new CustomerView(customer.customerId(), customer.customerName(), customer.customerEmail(),
                                    customer.createdAt(), customer.stagedSession(), summaries, durable);
                        })));
    }
}
