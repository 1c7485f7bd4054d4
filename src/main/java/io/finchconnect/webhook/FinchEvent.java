package io.finchconnect.webhook;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of a Finch webhook (finch-api.md): which connection, what happened, and the event's data.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FinchEvent(String connectionId, String companyId, String accountId, String entityId, String eventType,
                         JsonNode data) {

    /** The connection status the event reports, if it reports one ({@code account.updated} and others). */
    public String reportedStatus() {
        JsonNode status = data == null ? null : data.get("status");
        return status != null && status.isTextual() ? status.asText() : null;
    }
}
