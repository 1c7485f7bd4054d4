package io.finchconnect.finch.client;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What Finch's {@code GET /introspect} says about the connection behind an access token.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Introspection(String connectionId, ConnectionStatus connectionStatus, String customerId, String customerName,
                            List<String> products, String providerId, String companyId, String clientType,
                            String connectionType, String accountId, List<Entity> entities) {

    /** {@code status} is one of Finch's connection statuses; {@code lastSuccessfulSync} an ISO-8601 time or null. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ConnectionStatus(String status, String message, String lastSuccessfulSync) {
    }

    /** One entity of a multi-entity connection, with its own status (Finch's {@code entities[]}). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entity(String id, String name, String sourceId, String status) {
    }
}
