package io.finchconnect.finch.client;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Finch's answer to a code exchange: the connection's access token and what it grants.
 * {@link #toString()} hides the token so a stray log line cannot leak it.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record AccessTokenGrant(String accessToken, String tokenType, String connectionId, String clientType,
                               String connectionType, List<String> entityIds, List<String> products, String providerId,
                               String customerId, String customerName, String companyId, String accountId) {

    @Override
    public String toString() {
        return "AccessTokenGrant[accessToken=***, connectionId=" + connectionId + ", customerId=" + customerId
                + ", providerId=" + providerId + ", products=" + products + "]";
    }
}
