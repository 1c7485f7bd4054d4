package io.finchconnect.connection.rest;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.ConnectionHistory;
import io.smallrye.mutiny.Uni;

/** What happened to one connection over time: its events, in commit order, after their outbox rows are gone. */
@Path("/v1/connections/{connection_id}/history")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Connections")
public class ConnectionHistoryResource {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 500;

    private final ConnectionHistory history;
    private final ObjectMapper json;

    ConnectionHistoryResource(ConnectionHistory history, ObjectMapper json) {
        this.history = history;
        this.json = json;
    }

    /** One event: its CloudEvents id and type, the connection's status after it, when it was recorded, its data. */
    public record HistoryEntry(String eventId, String type, String connectionStatus, java.time.OffsetDateTime recordedAt,
                               JsonNode data) {
    }

    /** {@code next}: the cursor of the following page, null on the last. */
    public record HistoryPage(List<HistoryEntry> events, String next) {
    }

    @GET
    @RolesAllowed("connections:read")
    @Operation(summary = "A connection's events in commit order, keyset-paginated",
            description = "Every finch.connection.* event of the connection as it was published, kept for "
                    + "CONNECTION_HISTORY_RETENTION. Pass next as after for the following page; stable under new events.")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "a page", value = """
            {"events": [{"event_id": "5b9f0c2e-7d1a-4e3b-9c8d-2a1f0e9d8c7b", "type": "finch.connection.reauth_needed",
              "connection_status": "reauth", "recorded_at": "2026-12-07T13:18:41.806072Z",
              "data": {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1", "reason": "reauth"}}],
             "next": "1042"}""")))
    @APIResponse(responseCode = "400", description = "limit out of 1..500 or a malformed cursor (field names it)")
    @APIResponse(responseCode = "404", description = "Unknown connection")
    public Uni<HistoryPage> history(@PathParam("connection_id") String connectionId,
                                    @Parameter(description = "Page size, 1 to 500, default 50") @QueryParam("limit") String limit,
                                    @Parameter(description = "The next cursor of the previous page") @QueryParam("after") String after) {
        String id = RequestChecks.id("connection_id", connectionId);
        int size = limit == null ? DEFAULT_LIMIT : number("limit", limit, 1, MAX_LIMIT);
        long from = after == null ? 0 : number("after", after, 1, Long.MAX_VALUE);
        return history.page(id, from, size).map(page -> new HistoryPage(page.entries().stream()
                .map(entry -> new HistoryEntry(entry.eventId().toString(), entry.type(), entry.connectionStatus(),
                        entry.recordedAt(), parse(entry.payload())))
                .toList(), page.more() ? String.valueOf(page.entries().get(page.entries().size() - 1).id()) : null));
    }

    private static long number(String field, String value, long min, long max) {
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below, as any value out of range
        }
        throw new InvalidRequestException(field, field + " must be a whole number from " + min + " to " + max);
    }

    private static int number(String field, String value, int min, int max) {
        return (int) number(field, value, (long) min, (long) max);
    }

    private JsonNode parse(String payload) {
        try {
            return json.readTree(payload);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("A history entry that is not JSON", e);
        }
    }
}
