package io.finchconnect.authorization.rest;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestQuery;

import io.finchconnect.authorization.CodeExchange;
import io.finchconnect.authorization.CustomerMismatchException;
import io.finchconnect.authorization.GrantNotStoredException;
import io.finchconnect.common.database.BackingServiceUnavailable;
import io.finchconnect.connection.ConnectionExistsException;
import io.finchconnect.finch.client.FinchRejectedException;
import io.finchconnect.session.SessionRedirectUris;
import io.finchconnect.session.SessionRedirectUris.SessionRedirect;
import io.finchconnect.state.ConnectState.Claims;
import io.finchconnect.state.ConnectState.InvalidStateException;
import io.finchconnect.state.ConnectStates;
import io.finchconnect.state.config.ConnectConfig;
import io.smallrye.mutiny.Uni;

/**
 * Where Finch Connect sends the employer's browser at the end of the redirect flow. Authenticated by our
 * signed {@code state}: a forged, expired or replayed state, an {@code error} from Finch, or a failed exchange
 * ends with a clear outcome and nothing stored. The outcome goes to the configured return URL (303) or, without
 * one, to a small page.
 */
@Path("/v1/connect/callback")
@Tag(name = "Connect flow")
public class ConnectCallbackResource {

    private static final Logger LOG = Logger.getLogger(ConnectCallbackResource.class);
    /** Finch granted the connection, we could not store it yet: an operator adopts it and sends a new link. */
    static final String TRY_AGAIN_LATER = "try_again_later";
    /** The code never reached Finch: the same link works again. */
    static final String FINCH_UNAVAILABLE = "finch_unavailable";
    /** PostgreSQL was unavailable before the code was sent: the same link works again. */
    static final String UNAVAILABLE = "service_unavailable";

    private final ConnectStates states;
    private final CodeExchange exchange;
    private final ConnectConfig config;
    private final SessionRedirectUris sessions;

    ConnectCallbackResource(ConnectStates states, CodeExchange exchange, ConnectConfig config, SessionRedirectUris sessions) {
        this.states = states;
        this.exchange = exchange;
        this.config = config;
        this.sessions = sessions;
    }

    @GET
    @Operation(summary = "Redirect-flow landing: verifies state, exchanges the code, stores the connection")
    @APIResponse(responseCode = "303", description = "with CONNECT_RETURN_URL set: the outcome as query parameters",
            content = @Content(examples = @ExampleObject(name = "Location", value = """
            https://platform.example/connected?outcome=established&customer_id=acme-1&connection_id=c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11&state=onboarding-42""")))
    @APIResponse(responseCode = "503", description = "try_again_later: Finch granted the connection but it could not be "
            + "stored yet (an operator adopts it); finch_unavailable or service_unavailable: nothing was spent, the same link works again",
            content = @Content(mediaType = "text/html"))
    @APIResponse(responseCode = "400", description = "forged, expired or replayed state, a session this service does not know, a Finch error, or a code Finch refused: nothing stored",
            content = @Content(mediaType = "text/html", examples = @ExampleObject(name = "replayed", value = """
            outcome=error, reason=replayed_state""")))
    public Uni<Response> callback(@RestQuery String code, @RestQuery String state, @RestQuery String error,
                                  @RestQuery("error_description") String errorDescription) {
        Claims claims;
        try {
            claims = states.verify(state);
        } catch (InvalidStateException e) {
            return Uni.createFrom().item(outcome(400, "error", e.reason(), null, null, null));
        }
        if (error != null) {
            LOG.infof("Finch Connect ended with error '%s' for customer %s", error, claims.customerId());
            return Uni.createFrom().item(outcome(400, "error", "finch_error", claims, null, error));
        }
        if (code == null || code.isBlank() || code.length() > 2048) {
            return Uni.createFrom().item(outcome(400, "error", "missing_code", claims, null, null));
        }
        return sessions.of(claims.sessionId())
                .chain(session -> exchangeFor(code, claims, session))
                .onFailure(CustomerMismatchException.class).recoverWithItem(e ->
                        outcome(409, "error", "customer_mismatch", claims, null, null))
                .onFailure(InvalidStateException.class).recoverWithItem(e ->
                        outcome(400, "error", ((InvalidStateException) e).reason(), claims, null, null))
                // Finch refused the code (unknown, used, expired): what the browser brought was bad, Finch is fine.
                .onFailure(FinchRejectedException.class).recoverWithItem(e -> {
                    LOG.infof("Finch refused the code for customer %s", claims.customerId());
                    return outcome(400, "error", "exchange_failed", claims, null, null);
                })
                // Finch granted the connection but it could not be stored: logged for an operator to adopt.
                .onFailure(GrantNotStoredException.class).recoverWithItem(e ->
                        outcome(503, "error", TRY_AGAIN_LATER, claims, ((GrantNotStoredException) e).connectionId(), null))
                // Another Connect flow of this customer went live first: nothing of this one was stored.
                .onFailure(ConnectionExistsException.class)
                .recoverWithItem(e -> outcome(409, "error", "connection_exists", claims, null, null))
                .onFailure(CodeExchange::codeNeverReachedFinch).recoverWithItem(e -> {
                    LOG.infof("Code exchange for customer %s did not reach Finch; the link stays usable", claims.customerId());
                    return outcome(503, "error", FINCH_UNAVAILABLE, claims, null, null);
                })
                // PostgreSQL unavailable before the code was sent: the state was not consumed, the link stays usable.
                .onFailure(BackingServiceUnavailable::explains).recoverWithItem(e ->
                        outcome(503, "error", UNAVAILABLE, claims, null, null))
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("Code exchange for customer %s failed: %s", claims.customerId(), e.getClass().getSimpleName());
                    return outcome(502, "error", "exchange_failed", claims, null, null);
                });
    }

    /**
     * Finch refuses a redirect-flow code unless the exchange names its session's redirect_uri, so the exchange
     * sends the one the session in our state was created with. A session we never stored (our own state names
     * it, so this is rare) is not sent to Finch: the code stays unspent. The state is consumed before the code
     * goes to Finch, so a replayed callback stops here, and given back when the code provably never reached
     * Finch, so the employer can use the same link again.
     */
    private Uni<Response> exchangeFor(String code, Claims claims, Optional<SessionRedirect> session) {
        if (session.isEmpty()) {
            LOG.warnf("Callback for customer %s names session %s, which this service does not know", claims.customerId(),
                    claims.sessionId());
            return Uni.createFrom().item(outcome(400, "error", "unknown_session", claims, null, null));
        }
        return states.consume(claims)
                .chain(consumed -> exchange.complete(code, claims.customerId(), session.get().redirectUri()))
                .onFailure(CodeExchange::codeNeverReachedFinch).call(failure -> states.release(claims))
                .map(result -> outcome(200, result.kind().name().toLowerCase(), null, claims, result.connectionId(), null));
    }

    private Response outcome(int status, String outcome, String reason, Claims claims, String connectionId, String finchError) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("outcome", outcome);
        put(fields, "reason", reason);
        put(fields, "customer_id", claims == null ? null : claims.customerId());
        put(fields, "connection_id", connectionId);
        put(fields, "finch_error", finchError);
        put(fields, "state", claims == null ? null : claims.callerState());
        if (config.returnUrl().isPresent()) {
            URI target = config.returnUrl().get();
            String query = fields.entrySet().stream()
                    .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            return Response.seeOther(URI.create(target + (target.getQuery() == null ? "?" : "&") + query)).build();
        }
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity(page(fields)).build();
    }

    private static void put(Map<String, String> fields, String name, String value) {
        if (value != null) {
            fields.put(name, value);
        }
    }

    private static String page(Map<String, String> fields) {
        boolean success = !"error".equals(fields.get("outcome"));
        String title = success ? "Your payroll system is connected" : "The connection did not complete";
        String next = success ? "You can close this window." : nextStep(fields.get("reason"));
        String rows = fields.entrySet().stream()
                .map(e -> "<dt>" + escape(e.getKey()) + "</dt><dd id=\"" + escape(e.getKey()) + "\">" + escape(e.getValue()) + "</dd>")
                .collect(Collectors.joining());
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body><h1>"
                + title + "</h1><dl>" + rows + "</dl><p id=\"next\">" + next + "</p></body></html>";
    }

    private static String nextStep(String reason) {
        if (TRY_AGAIN_LATER.equals(reason)) {
            return "Your payroll system accepted the connection, but we could not save it yet. Please try again later:"
                    + " we will send you a link to finish it.";
        }
        if (FINCH_UNAVAILABLE.equals(reason) || UNAVAILABLE.equals(reason)) {
            return "Nothing was used up. Please try the same link again in a few minutes.";
        }
        return "Please ask for a new link and try again.";
    }

    private static String escape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
