package io.finchconnect.reauth;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.connection.ConnectionStore.WhatIsKnown;
import io.finchconnect.finch.client.ConnectSession;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.ReauthSessionRequest;
import io.finchconnect.state.ConnectStates;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Adopts a stranded connection: Finch granted it but its write failed, so this service does not know it. An
 * operator names it with its customer; Finch makes a reauthentication session for it, kept so the callback knows
 * its {@code redirect_uri}, and its completion ({@link CodeExchange}) stores the connection as the customer's, with
 * its {@code established} event. Finch's token response must name the same customer, or nothing is stored.
 */
@ApplicationScoped
public class ConnectionAdoption {

    private static final Logger LOG = Logger.getLogger(ConnectionAdoption.class);

    private final FinchGateway finch;
    private final ConnectStates states;
    private final Pool pool;

    ConnectionAdoption(FinchGateway finch, ConnectStates states, Pool pool) {
        this.finch = finch;
        this.states = states;
        this.pool = pool;
    }

    public record Request(String connectionId, String customerId, List<String> products, String redirectUri,
                          int minutesToExpire, String callerState) {
    }

    /** The session to send the employer: {@code connectUrl} carries our state when the flow has a redirect URI. */
    public record AdoptionSession(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }

    public Uni<AdoptionSession> adopt(Request request) {
        return ConnectionStore.whatIsKnownForAdoption(pool, request.connectionId(), request.customerId())
                .invoke(known -> requireAdoptable(request, known))
                .chain(ignored -> finch.createReauthSession(new ReauthSessionRequest(request.connectionId(),
                        request.minutesToExpire(), request.products(), request.redirectUri())))
                .chain(session -> keep(request, session));
    }

    private static void requireAdoptable(Request request, WhatIsKnown known) {
        if (known.owner() != null) {
            throw new ConnectionKnownException(request.connectionId(), known.owner());
        }
        if (!known.customerKnown()) {
            throw new UnknownResourceException("No customer " + request.customerId());
        }
        if (known.liveId() != null) {
            throw new ConnectionExistsException(known.liveId(), known.liveStatus());
        }
    }

    /**
     * Finch made the session: kept for the callback, then handed out. Should this write fail, the caller gets a 503
     * and asks again (a new session); the embedded flow could still complete this one, it needs no stored session.
     */
    private Uni<AdoptionSession> keep(Request request, ConnectSession session) {
        OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(request.minutesToExpire());
        String link = request.redirectUri() == null ? session.connectUrl()
                : states.withState(session.connectUrl(), request.customerId(), session.sessionId(), request.callerState(),
                        expiresAt.toInstant());
        return ConnectionAdoptionStore.keepSession(pool, session.sessionId(), request.connectionId(), request.customerId(),
                        session.connectUrl(), request.redirectUri(), expiresAt)
                .invoke(() -> LOG.infof("Adoption of connection %s for customer %s: reauthentication session %s created",
                        request.connectionId(), request.customerId(), session.sessionId()))
                .replaceWith(new AdoptionSession(session.sessionId(), link, expiresAt));
    }
}
