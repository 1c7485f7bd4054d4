package io.finchconnect.session.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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

    /** Finch's SDK default for a staged session's lifetime (docs/finch.md): 90 days. */
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
    @RequestBody(content = @Content(examples = @ExampleObject(name = "redirect flow", value = """
            {"customer_id": "acme-1", "customer_name": "Acme Payroll LLC", "customer_email": "hr@acme.example",
             "products": ["company", "directory", "individual"], "redirect_uri": "https://platform.example/v1/connect/callback",
             "state": "onboarding-42"}""")))
    @APIResponse(responseCode = "201", description = "created; 200 with refreshed true when refreshed",
            content = @Content(examples = @ExampleObject(name = "created", value = """
            {"session_id": "9f1c2b7e-5a0d-4c3e-8b1a-2d4e6f8a0b1c", "connect_url":
             "https://connect.tryfinch.com/authorize?session=9f1c2b7e-5a0d-4c3e-8b1a-2d4e6f8a0b1c&state=eyJpZCI6...",
             "customer_id": "acme-1", "expires_at": "2027-02-27T10:00:00Z", "refreshed": false}""")))
    @APIResponse(responseCode = "409", description = "the customer is connected: use reauthenticate",
            content = @Content(mediaType = "application/problem+json", examples = @ExampleObject(name = "connection exists", value = """
            {"type": "https://finch-connect-service/problems/connection-exists", "title": "Connection exists", "status": 409,
             "detail": "The customer already has a connection; use POST /v1/connect/sessions/reauthenticate to change it",
             "connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "connection_status": "connected"}""")))
    public Uni<Response> createOrRefresh(SessionRequest request) {
        return sessions.createOrRefresh(SessionRequestValidator.validate(request, finch.redirectUris(), DEFAULT_MINUTES_TO_EXPIRE))
                .map(link -> Response.status(link.refreshed() ? 200 : 201).entity(link).build());
    }
}
