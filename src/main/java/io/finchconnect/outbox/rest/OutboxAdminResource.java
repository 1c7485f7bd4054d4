package io.finchconnect.outbox.rest;

import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.outbox.OutboxStore;
import io.finchconnect.outbox.OutboxStore.ParkedMessage;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Operator endpoints for rows the relay parked: list them, put them back in the queue once the cause is
 * fixed, or skip one for good. A parked row holds back the later rows of its key until one of these.
 */
@Path("/v1/admin/outbox/parked")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("outbox:admin")
@Tag(name = "Outbox administration")
public class OutboxAdminResource {

    private static final Logger LOG = Logger.getLogger(OutboxAdminResource.class);

    private final Pool pool;
    private final SecurityIdentity identity;

    OutboxAdminResource(Pool pool, SecurityIdentity identity) {
        this.pool = pool;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "Parked outbox rows, oldest first, with the error that parked them")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "parked", value = """
            [{"id": 4711, "event_id": "0f8e...", "key": "c5a0e4b2-...", "type": "finch.connection.established", "attempts": 5,
              "last_error": "RecordTooLargeException: ...", "created_at": "2026-11-29T10:00:00Z", "parked_at": "2026-11-29T10:00:03Z"}]""")))
    public Uni<List<ParkedMessage>> list(@QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidRequestException("limit", "limit must be between 1 and 1000");
        }
        return OutboxStore.listParked(pool, limit);
    }

    @POST
    @Path("/{event_id}/requeue")
    @Operation(summary = "Put one parked row back in the queue with fresh attempts")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "requeued", value = """
            {"requeued": 1}""")))
    public Uni<RequeueResult> requeueOne(@PathParam("event_id") String eventId) {
        UUID id = parseEventId(eventId);
        return OutboxStore.requeue(pool, id).map(count -> {
            if (count == 0) {
                throw new UnknownResourceException("No parked outbox row with event id " + id);
            }
            LOG.infof("Outbox event %s re-queued by %s", id, identity.getPrincipal().getName());
            return new RequeueResult(count);
        });
    }

    @POST
    @Path("/{event_id}/skip")
    @Operation(summary = "Give up on one parked row: it is never published, and the later rows of its key go on",
            description = "Audited: the operator and the time are logged and kept on the row until retention.")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "skipped", value = """
            {"skipped": 1}""")))
    @APIResponse(responseCode = "404", description = "No parked row with this event id")
    public Uni<SkipResult> skipOne(@PathParam("event_id") String eventId) {
        UUID id = parseEventId(eventId);
        String operator = identity.getPrincipal().getName();
        return OutboxStore.skip(pool, id, operator).map(count -> {
            if (count == 0) {
                throw new UnknownResourceException("No parked outbox row with event id " + id);
            }
            LOG.warnf("Outbox event %s skipped by %s: it will never be published", id, operator);
            return new SkipResult(count);
        });
    }

    @POST
    @Path("/requeue")
    @Operation(summary = "Put every parked row back in the queue")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "requeued", value = """
            {"requeued": 3}""")))
    public Uni<RequeueResult> requeueAll() {
        return OutboxStore.requeue(pool, null).map(count -> {
            LOG.infof("%d parked outbox rows re-queued by %s", count, identity.getPrincipal().getName());
            return new RequeueResult(count);
        });
    }

    private static UUID parseEventId(String eventId) {
        try {
            return UUID.fromString(eventId);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("event_id", "event_id must be a UUID");
        }
    }

    public record RequeueResult(int requeued) {
    }

    public record SkipResult(int skipped) {
    }
}
