package io.finchconnect.finch.client;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of Finch's {@code POST /disconnect-entity}: the entities to remove from the connection.
 */
public record DisconnectEntityRequest(@JsonProperty("entity_ids") List<String> entityIds) {
}
