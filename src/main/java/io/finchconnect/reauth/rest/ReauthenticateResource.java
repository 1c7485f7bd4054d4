package io.finchconnect.reauth.rest;

import java.time.OffsetDateTime;
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

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.common.validation.FinchProducts;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.ConnectionReads;
import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.reauth.ConnectionAdoption;
import io.finchconnect.reauth.ConnectionOfAnotherCustomerException;
import io.finchconnect.reauth.RequestedReauthSessions;
import io.finchconnect.reauth.config.ReauthConfig;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * A reauthentication session for a known connection, on request: to repair it, or to change its products
 * after it connected (Finch allows no new staged session then); stored and announced as
 * {@link RequestedReauthSessions} says. For a connection Finch granted that this service
 * could not store, an operator names its customer and {@link ConnectionAdoption} takes over.
 */
@Path("/v1/connect/sessions/reauthenticate")
@Tag(name = "Connect sessions")
public class ReauthenticateResource {

    private final RequestedReauthSessions requested;
    private final FinchConfig finchConfig;
    private final ReauthConfig reauthConfig;
    private final ConnectionReads connections;
    private final ConnectionAdoption adoption;
    private final SecurityIdentity identity;

    ReauthenticateResource(RequestedReauthSessions requested, FinchConfig finchConfig, ReauthConfig reauthConfig,
                           ConnectionReads connections, ConnectionAdoption adoption, SecurityIdentity identity) {
        this.connections = connections;
        this.adoption = adoption;
        this.identity = identity;
        this.requested = requested;
        this.finchConfig = finchConfig;
        this.reauthConfig = reauthConfig;
    }

    /** {@code customerId}: only to adopt a connection this service does not know (role {@code connections:write}). */
    public record ReauthenticateRequest(String connectionId, JsonNode products, String redirectUri, JsonNode minutesToExpire,
                                        String state, String customerId) {
    }

    public record ReauthenticateLink(String sessionId, String connectUrl, String connectionId, String customerId,
                                     OffsetDateTime expiresAt) {
    }

    @POST
    @RolesAllowed({ "sessions:write", "connections:write" })
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A reauthentication session for a connection; 404 for an unknown connection, unless an operator "
            + "(connections:write) names its customer_id to adopt it: a connection Finch granted that could not be stored")
    @RequestBody(content = @Content(examples = { @ExampleObject(name = "add a product", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "products": "company directory payment",
             "redirect_uri": "https://platform.example/v1/connect/callback"}"""),
            @ExampleObject(name = "adopt a stranded connection (connections:write)", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1",
             "redirect_uri": "https://platform.example/v1/connect/callback"}""")}))
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "session", value = """
            {"session_id": "1b2c...", "connect_url": "https://connect.tryfinch.com/authorize?session=1b2c...&state=...",
             "connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1",
             "expires_at": "2026-12-29T10:00:00Z"}""")))
    public Uni<ReauthenticateLink> reauthenticate(ReauthenticateRequest request) {
        if (request == null) {
            throw new InvalidRequestException("body", "A JSON body is required");
        }
        RequestChecks.id("connection_id", request.connectionId());
        List<String> products = request.products() == null || request.products().isNull() ? null
                : FinchProducts.of(request.products());
        RequestChecks.redirectUri(request.redirectUri(), finchConfig.redirectUris());
        int minutes = RequestChecks.minutesToExpire(request.minutesToExpire(), reauthConfig.minutesToExpire());
        RequestChecks.optional("state", request.state(), 1024);
        if (request.customerId() != null) {
            RequestChecks.id("customer_id", request.customerId());
        }
        // One statement on the pool, released before Finch is called: no request holds a connection while it waits.
        return connections.customerOf(request.connectionId())
                .chain(customerId -> customerId != null ? reauthenticateKnown(request, customerId, products, minutes)
                        : adoptUnknown(request, products, minutes));
    }

    private Uni<ReauthenticateLink> reauthenticateKnown(ReauthenticateRequest request, String customerId, List<String> products,
                                                        int minutes) {
        requireRole("sessions:write");
        if (request.customerId() != null && !request.customerId().equals(customerId)) {
            throw new ConnectionOfAnotherCustomerException(request.connectionId(), request.customerId());
        }
        return requested.create(new RequestedReauthSessions.Request(request.connectionId(), products, request.redirectUri(),
                        minutes, request.state()))
                .onItem().ifNull().failWith(() -> new UnknownResourceException("No connection " + request.connectionId()))
                .map(link -> new ReauthenticateLink(link.sessionId(), link.connectUrl(), link.connectionId(), link.customerId(),
                        link.expiresAt()));
    }

    /** A connection Finch granted whose write failed (docs/operations.md, "Stranded connections"): an operator adopts it by naming its customer. */
    private Uni<ReauthenticateLink> adoptUnknown(ReauthenticateRequest request, List<String> products, int minutes) {
        if (request.customerId() == null) {
            throw new UnknownResourceException("No connection " + request.connectionId());
        }
        requireRole("connections:write");
        return adoption.adopt(new ConnectionAdoption.Request(request.connectionId(), request.customerId(), products,
                        request.redirectUri(), minutes, request.state()))
                .map(session -> new ReauthenticateLink(session.sessionId(), session.connectUrl(), request.connectionId(),
                        request.customerId(), session.expiresAt()));
    }

    private void requireRole(String role) {
        if (!identity.hasRole(role)) {
            throw new ForbiddenException();
        }
    }
}
