package io.finchconnect.session;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.finchconnect.link.DurableLinks;
import io.finchconnect.link.DurableLinks.HandedOut;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Durable links created through the API, for a customer that made a session request: its visits reuse that request's
 * parameters. The purpose defaults from the customer's state now and only labels the link.
 */
@ApplicationScoped
public class CustomerLinks {

    private final Pool pool;
    private final DurableLinks links;

    CustomerLinks(Pool pool, DurableLinks links) {
        this.pool = pool;
        this.links = links;
    }

    public Uni<HandedOut> create(String customerId, String purpose, Integer expiresInDays) {
        if (purpose != null && !DurableLinks.CONNECT.equals(purpose) && !DurableLinks.REAUTHENTICATE.equals(purpose)) {
            throw new InvalidRequestException("purpose", "purpose must be connect or reauthenticate");
        }
        return StagedSessionStore.ofCustomer(pool, customerId)
                .onItem().ifNull().failWith(() -> new UnknownResourceException("No customer " + customerId
                        + " with a Connect session request"))
                .chain(session -> purpose != null ? Uni.createFrom().item(purpose) : purposeNow(customerId))
                .chain(chosen -> links.create(customerId, chosen, expiresInDays));
    }

    Uni<String> purposeNow(String customerId) {
        return ConnectionStore.liveConnectionOf(pool, customerId).map(connection -> connection != null
                && ConnectionStatus.fromFinch(connection.status()).map(ConnectionStatus::needsEmployer).orElse(false)
                ? DurableLinks.REAUTHENTICATE : DurableLinks.CONNECT);
    }
}
