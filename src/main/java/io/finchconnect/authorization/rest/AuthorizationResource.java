package io.finchconnect.authorization.rest;

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

import io.finchconnect.authorization.CodeExchange;
import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.validation.RequestChecks;
import io.smallrye.mutiny.Uni;

/**
 * The embedded flow: the frontend's Finch Connect SDK hands the code from {@code onSuccess} to the platform,
 * which passes it here with the customer it belongs to.
 */
@Path("/v1/connect/authorizations")
@Tag(name = "Connect flow")
public class AuthorizationResource {

    private final CodeExchange exchange;

    AuthorizationResource(CodeExchange exchange) {
        this.exchange = exchange;
    }

    public record AuthorizationRequest(String code, String customerId) {
    }

    public record AuthorizationResult(String outcome, String connectionId, String customerId) {
    }

    @POST
    @RolesAllowed("sessions:write")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Exchange an embedded-flow authorization code and store the connection")
    @RequestBody(content = @Content(examples = @ExampleObject(name = "from onSuccess", value = """
            {"code": "3c1f9a...", "customer_id": "acme-1"}""")))
    @APIResponse(responseCode = "201", content = @Content(examples = @ExampleObject(name = "established", value = """
            {"outcome": "established", "connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1"}""")))
    @APIResponse(responseCode = "503", description = "grant-not-stored: Finch granted the connection but PostgreSQL stayed "
            + "unavailable for CONNECT_GRANT_WRITE_RETRY_FOR; the code is spent, an operator adopts the connection",
            content = @Content(mediaType = "application/problem+json", examples = @ExampleObject(name = "not stored", value = """
            {"type": "https://finch-connect-service/problems/grant-not-stored", "title": "Connection not stored yet", "status": 503,
             "connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1"}""")))
    public Uni<Response> authorize(AuthorizationRequest request) {
        if (request == null || request.code() == null || request.code().isBlank() || request.code().length() > 2048) {
            throw new InvalidRequestException("code", "code is required (the code from the SDK's onSuccess)");
        }
        RequestChecks.id("customer_id", request.customerId());
        // The embedded flow's session has no redirect_uri, and Finch refuses a code exchanged with one.
        return exchange.complete(request.code(), request.customerId(), null).map(outcome -> Response
                .status(outcome.kind() == CodeExchange.Kind.ESTABLISHED ? 201 : 200)
                .entity(new AuthorizationResult(outcome.kind().name().toLowerCase(), outcome.connectionId(), outcome.customerId()))
                .build());
    }
}
