package io.finchconnect.session.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.session.StagedSessions;
import io.smallrye.mutiny.Uni;

/**
 * Hands out a customer's Connect session link: created the first time (201), refreshed in place after (200).
 */
@Path("/v1/connect/sessions")
@Tag(name = "Connect sessions")
public class SessionResource {

    /** Finch's SDK default for a staged session's lifetime (finch-api.md): 90 days. */
    static final int DEFAULT_MINUTES_TO_EXPIRE = 129_600;

    private final StagedSessions sessions;
    private final FinchConfig finch;

    SessionResource(StagedSessions sessions, FinchConfig finch) {
        this.sessions = sessions;
        this.finch = finch;
    }

    @POST
    @RolesAllowed("sessions:write")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or refresh the staged Connect session of a customer")
    public Uni<Response> createOrRefresh(SessionRequest request) {
        return sessions.createOrRefresh(SessionRequestValidator.validate(request, finch.redirectUris(), DEFAULT_MINUTES_TO_EXPIRE))
                .map(link -> Response.status(link.refreshed() ? 200 : 201).entity(link).build());
    }
}
