package io.finchconnect.finch.client;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The body of Finch's {@code POST /connect/sessions}; null fields are left out so Finch applies its defaults.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConnectSessionRequest(String customerId, String customerName, String customerEmail, List<String> products,
                                    String redirectUri, Integration integration, String sandbox, Boolean manual,
                                    Integer minutesToExpire, Recordkeeping recordkeeping) {

    /** Only with the recordkeeping product (SDK 10.8). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Recordkeeping(String recordkeeper, String planId) {
    }

    /** Skips Finch's provider selection screen. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Integration(String provider, String authMethod) {
    }
}
