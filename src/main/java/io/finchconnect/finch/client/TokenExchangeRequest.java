package io.finchconnect.finch.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The body of Finch's {@code POST /auth/token}: the application's credentials travel in it, as Finch documents.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenExchangeRequest(String code, String clientId, String clientSecret, String redirectUri) {

    @Override
    public String toString() {
        return "TokenExchangeRequest[code=***, clientId=" + clientId + ", clientSecret=***, redirectUri=" + redirectUri + "]";
    }
}
