package io.finchconnect.session.rest;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;

import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.common.problem.ProblemException;
import io.finchconnect.finch.client.FinchGateway;
import io.finchconnect.finch.client.ReauthSessionRequest;
import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.session.config.ReauthConfig;
import io.finchconnect.session.state.ConnectStates;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A reauthentication session for a known connection, on request: to repair it, or to change its products
 * after it connected (Finch allows no new staged session then).
 */
@Path("/v1/connect/sessions/reauthenticate")
@Tag(name = "Connect sessions")
public class ReauthenticateResource {

    private static final String CUSTOMER_OF_CONNECTION = "SELECT customer_id FROM connections WHERE connection_id = $1";

    private final FinchGateway finch;
    private final ConnectStates states;
    private final FinchConfig finchConfig;
    private final ReauthConfig reauthConfig;
    private final Pool pool;

    ReauthenticateResource(FinchGateway finch, ConnectStates states, FinchConfig finchConfig, ReauthConfig reauthConfig,
                           Pool pool) {
        this.pool = pool;
        this.finch = finch;
        this.states = states;
        this.finchConfig = finchConfig;
        this.reauthConfig = reauthConfig;
    }

    public record ReauthenticateRequest(String connectionId, JsonNode products, String redirectUri, JsonNode minutesToExpire,
                                        String state) {
    }

    public record ReauthenticateLink(String sessionId, String connectUrl, String connectionId, String customerId,
                                     OffsetDateTime expiresAt) {
    }

    @POST
    @RolesAllowed("sessions:write")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A reauthentication session for a connection; 404 for an unknown connection")
    @RequestBody(content = @Content(examples = @ExampleObject(name = "add a product", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "products": "company directory payment",
             "redirect_uri": "https://platform.example/v1/connect/callback"}""")))
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "session", value = """
            {"session_id": "1b2c...", "connect_url": "https://connect.tryfinch.com/authorize?session=1b2c...&state=...",
             "connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1",
             "expires_at": "2026-12-29T10:00:00Z"}""")))
    public Uni<ReauthenticateLink> reauthenticate(ReauthenticateRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("body", "A JSON body is required");
        }
        RequestChecks.id("connection_id", request.connectionId());
        List<String> products = request.products() == null || request.products().isNull() ? null
                : SessionRequestValidator.productsOf(request.products());
        RequestChecks.redirectUri(request.redirectUri(), finchConfig.redirectUris());
        int minutes = RequestChecks.minutesToExpire(request.minutesToExpire(), reauthConfig.minutesToExpire());
        RequestChecks.optional("state", request.state(), 1024);
        // One statement on the pool, released before Finch is called: no request holds a connection while it waits.
        return pool.preparedQuery(CUSTOMER_OF_CONNECTION).execute(Tuple.of(request.connectionId()))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw ProblemException.notFound("No connection " + request.connectionId());
                    }
                    return rows.iterator().next().getString("customer_id");
                })
                .chain(customerId -> finch.createReauthSession(new ReauthSessionRequest(request.connectionId(), minutes,
                                products, request.redirectUri()))
                        .map(session -> {
                            OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(minutes);
                            String link = request.redirectUri() == null ? session.connectUrl()
                                    : states.withState(session.connectUrl(), customerId, session.sessionId(),
                                            request.state(), expiresAt.toInstant());
                            return new ReauthenticateLink(session.sessionId(), link, request.connectionId(), customerId,
                                    expiresAt);
                        }));
    }
}
