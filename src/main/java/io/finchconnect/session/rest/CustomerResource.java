package io.finchconnect.session.rest;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.session.ConnectLinks;
import io.finchconnect.session.ConnectLinks.ConnectLink;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A customer as other services see it, and the link to send it now.
 */
@Path("/v1/customers/{customer_id}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Customers")
public class CustomerResource {

    private static final String CUSTOMER = """
            SELECT c.customer_id, c.customer_name, c.customer_email, c.created_at,
                   s.session_id, s.expires_at AS session_expires_at, s.products, s.refreshed_at, s.consumed_at
            FROM customers c LEFT JOIN staged_sessions s ON s.customer_id = c.customer_id WHERE c.customer_id = $1
            """;
    private static final String CONNECTIONS = "SELECT connection_id, status, connected_at FROM connections WHERE customer_id = $1 ORDER BY connected_at, connection_id";

    private final ConnectLinks links;
    private final Pool pool;

    CustomerResource(ConnectLinks links, Pool pool) {
        this.links = links;
        this.pool = pool;
    }

    /** {@code consumedAt}: when the customer connected through it; a consumed session is not handed out again. */
    public record StagedSessionView(String sessionId, OffsetDateTime expiresAt, List<String> products, OffsetDateTime refreshedAt,
                                    OffsetDateTime consumedAt) {
    }

    public record ConnectionSummary(String connectionId, String status, OffsetDateTime connectedAt) {
    }

    public record CustomerView(String customerId, String customerName, String customerEmail, OffsetDateTime createdAt,
                               StagedSessionView stagedSession, List<ConnectionSummary> connections) {
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
    public Uni<CustomerView> get(@PathParam("customer_id") String customerId) {
        return pool.preparedQuery(CUSTOMER).execute(Tuple.of(checked(customerId))).chain(rows -> {
            if (!rows.iterator().hasNext()) {
                throw new UnknownResourceException("No customer " + customerId);
            }
            Row row = rows.iterator().next();
            StagedSessionView session = row.getString("session_id") == null ? null : new StagedSessionView(
                    row.getString("session_id"), row.getOffsetDateTime("session_expires_at"),
                    List.of(row.getArrayOfStrings("products")), row.getOffsetDateTime("refreshed_at"),
                    row.getOffsetDateTime("consumed_at"));
            return pool.preparedQuery(CONNECTIONS).execute(Tuple.of(customerId)).map(connections -> {
                List<ConnectionSummary> summaries = new ArrayList<>();
                for (Row connection : connections) {
                    summaries.add(new ConnectionSummary(connection.getString("connection_id"), connection.getString("status"),
                            connection.getOffsetDateTime("connected_at")));
                }
                return new CustomerView(row.getString("customer_id"), row.getString("customer_name"),
                        row.getString("customer_email"), row.getOffsetDateTime("created_at"), session, summaries);
            });
        });
    }

    private static String checked(String customerId) {
        return RequestChecks.id("customer_id", customerId);
    }
}
