package io.finchconnect.finch.client;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The body of Finch's {@code POST /connect/sessions/reauthenticate}; null fields are left out.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReauthSessionRequest(String connectionId, Integer minutesToExpire, List<String> products, String redirectUri) {
}
