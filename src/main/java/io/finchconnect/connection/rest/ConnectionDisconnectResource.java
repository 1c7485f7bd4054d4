package io.finchconnect.connection.rest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
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
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.OperatorDisconnect;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * An operator disconnects a connection at Finch (Finch bills connections until they are disconnected), or some
 * of its entities. The body is optional, so it is read as text: no body means the whole connection.
 */
@Path("/v1/connections/{connection_id}/disconnect")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Connections")
public class ConnectionDisconnectResource {

    private static final Logger AUDIT = Logger.getLogger("io.finchconnect.audit");
    private static final int MAX_ENTITY_IDS = 100;

    private final OperatorDisconnect disconnect;
    private final ObjectMapper json;
    private final SecurityIdentity identity;

    ConnectionDisconnectResource(OperatorDisconnect disconnect, ObjectMapper json, SecurityIdentity identity) {
        this.disconnect = disconnect;
        this.json = json;
        this.identity = identity;
    }

    @POST
    @RolesAllowed("connections:write")
    @Operation(summary = "Disconnect a connection at Finch (all entities, or the entity_ids given) and announce it",
            description = "Without a body (or without entity_ids) Finch's /disconnect ends the whole connection; with "
                    + "entity_ids, Finch's /disconnect-entity removes those entities and the connection stays connected "
                    + "while any remain. Emits finch.connection.disconnected with by: operator. Idempotent: repeating "
                    + "it answers 200 with the same outcome, calls Finch no more and emits no second event.")
    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(
            name = "some entities", value = """
            {"entity_ids": ["9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60"]}""")))
    @APIResponse(responseCode = "200", description = "Disconnected (now or before)", content = @Content(examples = @ExampleObject(
            name = "disconnected", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1", "status": "disconnected",
             "entity_ids": ["9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60"], "disconnected_entity_ids": []}""")))
    @APIResponse(responseCode = "400", description = "Malformed body or entity_ids not of this connection (field entity_ids)")
    @APIResponse(responseCode = "404", description = "Unknown connection")
    public Uni<OperatorDisconnect.Outcome> disconnect(@PathParam("connection_id") String connectionId, String body) {
        String id = RequestChecks.id("connection_id", connectionId);
        List<String> entityIds = entityIds(body);
        return disconnect.disconnect(id, entityIds).invoke(outcome -> AUDIT.infof(
                "connection %s (customer %s) disconnected by %s, entities %s", id, outcome.customerId(),
                identity.getPrincipal().getName(), entityIds == null ? "all" : entityIds));
    }

    private List<String> entityIds(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("body", "The body must be a JSON object");
        }
        if (!root.isObject()) {
            throw new InvalidRequestException("body", "The body must be a JSON object");
        }
        JsonNode value = root.get("entity_ids");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray() || value.isEmpty() || value.size() > MAX_ENTITY_IDS) {
            throw new InvalidRequestException("entity_ids",
                    "entity_ids must be an array of 1 to " + MAX_ENTITY_IDS + " entity ids");
        }
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        for (JsonNode item : value) {
            if (!item.isTextual() || item.asText().isBlank() || item.asText().length() > RequestChecks.MAX_ID) {
                throw new InvalidRequestException("entity_ids", "entity_ids must hold entity id strings");
            }
            ids.add(item.asText());
        }
        return new ArrayList<>(ids);
    }
}
