package io.finchconnect.session.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.session.ConnectLinks;
import io.finchconnect.session.ConnectLinks.ConnectLink;
import io.finchconnect.session.CustomerLinks;
import io.finchconnect.session.CustomerReads;
import io.smallrye.mutiny.Uni;

/**
 * A customer as other services see it, and the link to send it now.
 */
@Path("/v1/customers/{customer_id}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Customers")
public class CustomerResource {

    private final ConnectLinks links;
    private final CustomerReads customers;
    private final CustomerLinks durableLinks;
    private final ObjectMapper json;

    CustomerResource(ConnectLinks links, CustomerReads customers, CustomerLinks durableLinks, ObjectMapper json) {
        this.links = links;
        this.customers = customers;
        this.durableLinks = durableLinks;
        this.json = json;
    }

    @POST
    @Path("/connect-links")
    @RolesAllowed("sessions:write")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "A durable connect link for this customer: each visit mints a fresh session state")
    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "two weeks", value = """
            {"purpose": "connect", "expires_in_days": 14}""")))
    @APIResponse(responseCode = "201", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "created", value = """
            {"link_id": "0b8e0c51-3f4e-4a39-9c1e-6d1f0f3f2a10", "url": "https://connect.platform.example/connect/q3Jt...",
             "expires_at": "2026-12-14T10:00:00Z", "purpose": "connect"}""")))
    @APIResponse(responseCode = "404", description = "a customer without a Connect session request here")
    public Uni<Response> createLink(@PathParam("customer_id") String customerId, String body) {
        String checked = checked(customerId);
        JsonNode request = parsed(body);
        JsonNode purpose = request.get("purpose");
        if (purpose != null && !purpose.isNull() && !purpose.isTextual()) {
            throw new InvalidRequestException("purpose", "purpose must be connect or reauthenticate");
        }
        JsonNode days = request.get("expires_in_days");
        if (days != null && !days.isNull() && !days.isInt()) {
            throw new InvalidRequestException("expires_in_days", "expires_in_days must be a whole number of days");
        }
        return durableLinks.create(checked, purpose == null || purpose.isNull() ? null : purpose.asText(),
                        days == null || days.isNull() ? null : days.asInt())
                .map(link -> Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(link).build());
    }

    private JsonNode parsed(String body) {
        if (body == null || body.isBlank()) {
            return json.createObjectNode();
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw new InvalidRequestException("body", "The body must be a JSON object");
            }
            return node;
        } catch (java.io.IOException e) {
            throw new InvalidRequestException("body", "The body is not valid JSON");
        }
    }

    @GET
    @Path("/connect-link")
    @RolesAllowed("sessions:read")
    @Operation(summary = "The link to send this customer now: staged session, refreshed or reauthentication session")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "reauth link", value = """
            {"kind": "reauth", "customer_id": "acme-1", "connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11",
             "session_id": "1b2c...", "connect_url": "https://connect.tryfinch.com/authorize?session=1b2c...&state=...",
             "expires_at": "2026-12-29T10:00:00Z", "link": {"link_id": "0b8e0c51-3f4e-4a39-9c1e-6d1f0f3f2a10",
             "url": "https://connect.platform.example/connect/q3Jt...", "expires_at": "2026-12-14T10:00:00Z"}}""")))
    public Uni<ConnectLink> connectLink(@PathParam("customer_id") String customerId) {
        return links.linkFor(checked(customerId));
    }

    @GET
    @RolesAllowed("connections:read")
    @Operation(summary = "The customer, its staged session and its connections")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "customer", value = """
            {"customer_id": "acme-1", "customer_name": "Acme Payroll LLC", "customer_email": "hr@acme.example",
             "created_at": "2026-11-29T10:00:00Z", "staged_session": null, "links": [],
             "connections": [{"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "status": "connected",
                              "connected_at": "2026-11-29T10:05:00Z"}]}""")))
    public Uni<CustomerReads.CustomerView> get(@PathParam("customer_id") String customerId) {
        return customers.view(checked(customerId));
    }

    private static String checked(String customerId) {
        return RequestChecks.id("customer_id", customerId);
    }
}
