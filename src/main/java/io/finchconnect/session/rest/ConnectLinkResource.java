package io.finchconnect.session.rest;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.link.DurableLinks;
import io.smallrye.mutiny.Uni;

/** Revokes a durable connect link: its next visit gets the same page as an unknown link's. */
@Path("/v1/connect-links/{link_id}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Customers")
public class ConnectLinkResource {

    private final DurableLinks links;

    ConnectLinkResource(DurableLinks links) {
        this.links = links;
    }

    @DELETE
    @RolesAllowed("sessions:write")
    @Operation(summary = "Revoke a durable connect link")
    @APIResponse(responseCode = "204", description = "revoked (again: still 204)")
    @APIResponse(responseCode = "404", description = "no such link")
    public Uni<Response> revoke(@PathParam("link_id") String linkId) {
        return links.revoke(parsed(linkId)).replaceWith(Response.noContent().build());
    }

    static UUID parsed(String linkId) {
        try {
            return UUID.fromString(linkId);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("link_id", "link_id must be a UUID");
        }
    }
}
