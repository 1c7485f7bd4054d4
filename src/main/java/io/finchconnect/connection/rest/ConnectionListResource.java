package io.finchconnect.connection.rest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.ConnectionReads;
import io.finchconnect.lifecycle.ConnectionStatus;
import io.smallrye.mutiny.Uni;

/**
 * Connections by status and/or customer, e.g. for a reminder job asking which connections need the employer
 * back. Keyset pagination on {@code connection_id}: a key never changes, so a page boundary is stable however
 * many rows are inserted meanwhile; the filters use the V8 indexes {@code (status, connection_id)} and
 * {@code (customer_id, connection_id)}, the unfiltered walk the primary key.
 */
@Path("/v1/connections")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Connections")
public class ConnectionListResource {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    /** Cursors carry a version, so a cursor of another shape (or a made-up one) is refused as malformed. */
    private static final String CURSOR_PREFIX = "v1:";

    private final ConnectionReads reads;

    ConnectionListResource(ConnectionReads reads) {
        this.reads = reads;
    }

    public record ConnectionPage(List<ConnectionReads.ConnectionSummary> connections, String next) {
    }

    @GET
    @RolesAllowed("connections:read")
    @Operation(summary = "List connections by status, customer and/or staleness, keyset-paginated",
            description = "Ordered by connection_id. Pass the answer's next as after for the following page; next is null "
                    + "on the last page. Stable under concurrent inserts: no connection appears twice, and none that "
                    + "existed when the walk began is missed.")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "a page", value = """
            {"connections": [{"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1",
              "status": "reauth", "status_changed_at": "2026-11-29T11:00:00Z", "company_id": "514d0b1c-8f8e-4a3e-a1f5-6f2a9c0d3e77",
              "provider_id": "gusto", "connection_type": "provider", "products": ["company", "directory"],
              "entity_ids": ["9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60"], "connected_at": "2026-11-29T10:05:00Z"}],
             "next": "djE6YzVhMGU0YjItMWY3ZS00YzRlLTlhNTEtMmI3YzFkMGU5ZjEx"}""")))
    @APIResponse(responseCode = "400", description = "Unknown status, stale other than true or false, limit out of 1..500, "
            + "or a malformed cursor (field names it)")
    public Uni<ConnectionPage> list(
            @Parameter(description = "One of pending, processing, connected, reauth, error_permissions, error_no_account_setup, disconnected")
            @QueryParam("status") String status,
            @Parameter(description = "Only this customer's connections") @QueryParam("customer_id") String customerId,
            @Parameter(description = "true: only the connections whose last successful sync is older than "
                    + "CONNECTION_STALE_AFTER; false: only the others") @QueryParam("stale") String stale,
            @Parameter(description = "Page size, 1 to 500, default 50") @QueryParam("limit") String limit,
            @Parameter(description = "The next cursor of the previous page") @QueryParam("after") String after) {
        String statusName = status == null ? null : ConnectionStatus.fromFinch(status).map(ConnectionStatus::finchName)
                .orElseThrow(() -> new InvalidRequestException("status", "Unknown status " + status));
        String customer = customerId == null ? null : RequestChecks.id("customer_id", customerId);
        if (stale != null && !stale.equals("true") && !stale.equals("false")) {
            throw new InvalidRequestException("stale", "stale must be true or false");
        }
        Boolean staleOnly = stale == null ? null : Boolean.valueOf(stale);
        int size = limit(limit);
        String afterKey = after == null ? null : decode(after);

        return reads.page(statusName, customer, staleOnly, afterKey, size).map(page ->
                new ConnectionPage(page.connections(), page.more()
                        ? encode(page.connections().get(page.connections().size() - 1).connectionId()) : null));
    }

    private static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit.trim());
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidRequestException("limit", "limit must be an integer from 1 to " + MAX_LIMIT);
    }

    static String encode(String connectionId) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((CURSOR_PREFIX + connectionId).getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor) {
        String key;
        try {
            key = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw malformed();
        }
        if (!key.startsWith(CURSOR_PREFIX) || key.length() == CURSOR_PREFIX.length()
                || key.length() > CURSOR_PREFIX.length() + RequestChecks.MAX_ID) {
            throw malformed();
        }
        return key.substring(CURSOR_PREFIX.length());
    }

    private static InvalidRequestException malformed() {
        return new InvalidRequestException("after", "after must be the next cursor of a previous page");
    }
}
