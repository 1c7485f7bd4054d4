package io.finchconnect.connection.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.ConnectionDisconnectedException;
import io.finchconnect.connection.ConnectionReads;
import io.finchconnect.connection.vault.TokenVault;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * A connection as other services see it, and its access token for the services allowed to call Finch with
 * it. Every token read is audit-logged, without the token.
 */
@Path("/v1/connections/{connection_id}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Connections")
public class ConnectionResource {

    private static final Logger AUDIT = Logger.getLogger("io.finchconnect.audit");

    private final TokenVault vault;
    private final SecurityIdentity identity;
    private final ConnectionReads reads;

    ConnectionResource(TokenVault vault, SecurityIdentity identity, ConnectionReads reads) {
        this.vault = vault;
        this.identity = identity;
        this.reads = reads;
    }

    public record AccessToken(String connectionId, String accessToken, String tokenType) {
    }

    @GET
    @RolesAllowed("connections:read")
    @Operation(summary = "A connection: status, products, and its current reauthentication session if any")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "in reauth", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1", "status": "reauth",
             "status_changed_at": "2026-11-29T11:00:00Z", "company_id": "514d0b1c-8f8e-4a3e-a1f5-6f2a9c0d3e77",
             "provider_id": "gusto", "connection_type": "provider", "products": ["company", "directory"],
             "entity_ids": ["9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60"],
             "entities": [{"entity_id": "9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60", "status": "reauth"}], "connected_at": "2026-11-29T10:05:00Z",
             "reauth_session": {"session_id": "1b2c...", "connect_url": "https://connect.tryfinch.com/authorize?session=1b2c...&state=...",
                                "expires_at": "2026-12-29T11:00:00Z"}}""")))
    public Uni<ConnectionReads.ConnectionView> get(@PathParam("connection_id") String connectionId) {
        return reads.view(checked(connectionId));
    }

    @GET
    @Path("/access-token")
    @RolesAllowed("tokens:read")
    @Operation(summary = "The connection's decrypted access token; every read is audit-logged",
            description = "A disconnected connection has none: its token is deleted with the disconnect (409).")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "token", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "access_token": "<access token>", "token_type": "bearer"}""")))
    public Uni<Response> accessToken(@PathParam("connection_id") String connectionId) {
        return reads.sealedToken(checked(connectionId)).map(stored -> {
            if (stored.token() == null) {
                throw new ConnectionDisconnectedException(stored.connectionId());
            }
            String token = vault.decrypt(stored.connectionId(), stored.token());
            AUDIT.infof("access token of connection %s (customer %s, status %s) read by %s", stored.connectionId(),
                    stored.customerId(), stored.status(), identity.getPrincipal().getName());
            // A bearer credential: no cache on the way may keep it.
            return Response.ok(new AccessToken(stored.connectionId(), token, "bearer"))
                    .header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
        });
    }

    private static String checked(String connectionId) {
        return RequestChecks.id("connection_id", connectionId);
    }

}
