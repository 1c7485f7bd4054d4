package io.finchconnect.session.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.session.ConnectLinks;
import io.finchconnect.session.ConnectLinks.ConnectLink;
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

    CustomerResource(ConnectLinks links, CustomerReads customers) {
        this.links = links;
        this.customers = customers;
    }

    @GET
    @Path("/connect-link")
    @RolesAllowed("sessions:read")
    @Operation(summary = "The link to send this customer now: staged session, refreshed or reauthentication session")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "reauth link", value = """
            {"kind": "reauth", "customer_id": "acme-1", "connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11",
             "session_id": "1b2c...", "connect_url": "https://connect.tryfinch.com/authorize?session=1b2c...&state=...",
             "expires_at": "2026-12-29T10:00:00Z"}""")))
    public Uni<ConnectLink> connectLink(@PathParam("customer_id") String customerId) {
        return links.linkFor(checked(customerId));
    }

    @GET
    @RolesAllowed("connections:read")
    @Operation(summary = "The customer, its staged session and its connections")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "customer", value = """
            {"customer_id": "acme-1", "customer_name": "Acme Payroll LLC", "customer_email": "hr@acme.example",
             "created_at": "2026-11-29T10:00:00Z", "staged_session": null,
             "connections": [{"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "status": "connected",
                              "connected_at": "2026-11-29T10:05:00Z"}]}""")))
    public Uni<CustomerReads.CustomerView> get(@PathParam("customer_id") String customerId) {
        return customers.view(checked(customerId));
    }

    private static String checked(String customerId) {
        return RequestChecks.id("customer_id", customerId);
    }
}
