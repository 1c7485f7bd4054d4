package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.finchconnect.link.DurableLinks;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.connection.ConnectionStore.LiveConnection;
import io.finchconnect.reauth.ReauthLinks;
import io.finchconnect.session.CustomerStore.Contact;
import io.finchconnect.session.StagedSessionStore.StagedSession;
import io.finchconnect.state.ConnectStates;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The link to send a customer now (docs/api-and-events.md): the staged session while valid, refreshed when it expired
 * (or a new one once it was consumed and the customer's connections are all disconnected);
 * the reauthentication session while the connection is in reauth, created when none is valid; a conflict when
 * the customer is connected and healthy.
 */
@ApplicationScoped
public class ConnectLinks {

    private final Pool pool;
    private final StagedSessions staged;
    private final ReauthLinks reauthLinks;
    private final ConnectStates states;
    private final DurableLinks durableLinks;

    ConnectLinks(Pool pool, StagedSessions staged, ReauthLinks reauthLinks, ConnectStates states, DurableLinks durableLinks) {
        this.pool = pool;
        this.staged = staged;
        this.reauthLinks = reauthLinks;
        this.states = states;
        this.durableLinks = durableLinks;
    }

    /** {@code link}: the durable link to send instead of {@code connectUrl}, which a failed exchange spends. */
    public record ConnectLink(String kind, String customerId, String connectionId, String sessionId, String connectUrl,
                              OffsetDateTime expiresAt, DurableLink link) {

        ConnectLink with(DurableLink durable) {
            return new ConnectLink(kind, customerId, connectionId, sessionId, connectUrl, expiresAt, durable);
        }
    }

    public record DurableLink(UUID linkId, String url, OffsetDateTime expiresAt) {
    }

    public Uni<ConnectLink> linkFor(String customerId) {
        return CustomerStore.contact(pool, customerId)
                .onItem().ifNull().failWith(() -> new UnknownResourceException("No customer " + customerId))
                .chain(customer -> ConnectionStore.liveConnectionOf(pool, customerId)
                        .chain(connection -> connection == null ? stagedLink(customerId, customer) : connectionLink(customerId, connection)))
                .chain(link -> durableLinks.standing(customerId, "reauth".equals(link.kind()) ? DurableLinks.REAUTHENTICATE
                                : DurableLinks.CONNECT)
                        .map(durable -> link.with(new DurableLink(durable.linkId(), durable.url(), durable.expiresAt()))));
    }

    private Uni<ConnectLink> connectionLink(String customerId, LiveConnection connection) {
        String connectionId = connection.connectionId();
        if (!ConnectionStatus.fromFinch(connection.status()).map(ConnectionStatus::needsEmployer).orElse(false)) {
            throw new ConnectionExistsException(connectionId, connection.status());
        }
        return reauthLinks.current(connectionId, connection.reauthEpisode())
                .map(session -> new ConnectLink("reauth", customerId, connectionId, session.sessionId(), session.connectUrl(),
                        session.expiresAt(), null));
    }

    private Uni<ConnectLink> stagedLink(String customerId, Contact customer) {
        return StagedSessionStore.ofCustomer(pool, customerId).chain(session -> {
            if (session == null) {
                throw new UnknownResourceException("Customer " + customerId + " has no Connect session; create one first");
            }
            if (session.valid()) {
                String url = session.connectUrl();
                String redirect = session.redirectUri();
                OffsetDateTime expiresAt = session.expiresAt();
                String link = redirect == null ? url
                        : states.withState(url, customerId, session.sessionId(), null, expiresAt.toInstant());
                return Uni.createFrom().item(new ConnectLink("staged", customerId, null, session.sessionId(),
                        link, expiresAt, null));
            }
            return staged.createOrRefresh(refreshOf(customerId, customer, session)).map(refreshed ->
                    new ConnectLink("staged", customerId, null, refreshed.sessionId(), refreshed.connectUrl(), refreshed.expiresAt(), null));
        });
    }

    static StagedSessionRequest refreshOf(String customerId, Contact customer, StagedSession session) {
        return new StagedSessionRequest(customerId, customer.customerName(), customer.customerEmail(),
                session.products(), session.redirectUri(), session.integrationProvider(),
                session.integrationAuth(), session.sandbox(), session.manual(),
                session.minutesToExpire(), null, session.recordkeeper() == null ? null
                        : new StagedSessionRequest.Recordkeeping(session.recordkeeper(), session.recordkeepingPlanId()));
    }
}
