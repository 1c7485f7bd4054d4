package io.finchconnect.reauth;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.finch.client.ConnectSession;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.ReauthSessionRequest;
import io.finchconnect.state.ConnectStates;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Adopts a stranded connection: Finch granted it but its write failed, so this service does not know it. An
 * operator names it with its customer; Finch makes a reauthentication session for it, kept so the callback knows
 * its {@code redirect_uri}, and its completion ({@link CodeExchange}) stores the connection as the customer's, with
 * its {@code established} event. Finch's token response must name the same customer, or nothing is stored.
 */
@ApplicationScoped
public class ConnectionAdoption {

    private static final Logger LOG = Logger.getLogger(ConnectionAdoption.class);

    /** One statement, released before Finch is called: no request holds a pooled connection while it waits. */
    private static final String WHAT_IS_KNOWN = """
            SELECT (SELECT customer_id FROM connections WHERE connection_id = $1) AS owner,
                   EXISTS (SELECT 1 FROM customers WHERE customer_id = $2) AS customer_known,
                   (SELECT connection_id FROM connections WHERE customer_id = $2 AND status <> 'disconnected') AS live_id,
                   (SELECT status FROM connections WHERE customer_id = $2 AND status <> 'disconnected') AS live_status
            """;
    private static final String KEEP_SESSION = """
            INSERT INTO connection_adoptions (session_id, connection_id, customer_id, connect_url, redirect_uri, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (session_id) DO NOTHING
            """;

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
        return pool.preparedQuery(WHAT_IS_KNOWN).execute(Tuple.of(request.connectionId(), request.customerId()))
                .invoke(rows -> requireAdoptable(request, rows.iterator().next()))
                .chain(ignored -> finch.createReauthSession(new ReauthSessionRequest(request.connectionId(),
                        request.minutesToExpire(), request.products(), request.redirectUri())))
                .chain(session -> keep(request, session));
    }

    private static void requireAdoptable(Request request, Row known) {
        String owner = known.getString("owner");
        if (owner != null) {
            throw new ConnectionKnownException(request.connectionId(), owner);
        }
        if (!known.getBoolean("customer_known")) {
            throw new UnknownResourceException("No customer " + request.customerId());
        }
        if (known.getString("live_id") != null) {
            throw new ConnectionExistsException(known.getString("live_id"), known.getString("live_status"));
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
        return pool.preparedQuery(KEEP_SESSION).execute(Tuple.from(new Object[] { session.sessionId(), request.connectionId(),
                        request.customerId(), session.connectUrl(), request.redirectUri(), expiresAt }))
                .invoke(() -> LOG.infof("Adoption of connection %s for customer %s: reauthentication session %s created",
                        request.connectionId(), request.customerId(), session.sessionId()))
                .replaceWith(new AdoptionSession(session.sessionId(), link, expiresAt));
    }
}
