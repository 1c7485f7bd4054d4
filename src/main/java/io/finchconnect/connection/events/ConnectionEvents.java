package io.finchconnect.connection.events;

import java.time.OffsetDateTime;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The data of the connection events on {@code finch.connection-events} (docs/api-and-events.md, AsyncAPI file
 * {@code src/main/resources/asyncapi/finch-connection-events.yaml}). Serialised in snake_case; none carries a
 * token or any other secret.
 */
public final class ConnectionEvents {

    public static final String ESTABLISHED = "finch.connection.established";
    public static final String REAUTH_NEEDED = "finch.connection.reauth_needed";
    public static final String REAUTHENTICATED = "finch.connection.reauthenticated";
    public static final String DISCONNECTED = "finch.connection.disconnected";

    private ConnectionEvents() {
    }

    /** A connection entered reauth; {@code reauth_session} is absent here and present in the follow-up event. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReauthNeeded(String connectionId, String customerId, String companyId, String providerId,
                               OffsetDateTime detectedAt, String sourceEventId, String reason, List<String> entityIds,
                               ReauthSession reauthSession) {
    }

    public record ReauthSession(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }

    public record Reauthenticated(String connectionId, String customerId, OffsetDateTime reauthenticatedAt) {
    }

    /** {@code by}: {@code finch} (Finch said so) or {@code operator}. */
    public record Disconnected(String connectionId, String customerId, OffsetDateTime disconnectedAt,
                               List<String> entityIds, String by) {
    }
}
