package io.finchconnect.connection.events;

import java.time.OffsetDateTime;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.finchconnect.lifecycle.EntityStatuses;

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
    public static final String DATA_SYNCED = "finch.connection.data_synced";
    public static final String STALE = "finch.connection.stale";

    private ConnectionEvents() {
    }

    /**
     * An entity and its status in {@code entities}, which every event carries with {@code connection_status}: where
     * the connection stands once the change the event announces is committed, so that a consumer that sees one
     * event knows it without the ones before.
     */
    public record EntityStatus(String entityId, String status) {

        /** The lifecycle's entities, with Finch's names for their statuses. */
        public static List<EntityStatus> of(List<EntityStatuses.Entity> entities) {
            return entities.stream().map(entity -> new EntityStatus(entity.entityId(), entity.status().finchName())).toList();
        }
    }

    /** A connection entered reauth; {@code reauth_session} is absent here and present in the follow-up event. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReauthNeeded(String connectionId, String customerId, String companyId, String providerId,
                               OffsetDateTime detectedAt, String sourceEventId, String reason, List<String> entityIds,
                               ReauthSession reauthSession, ReauthLink reauthLink, String connectionStatus,
                               List<EntityStatus> entities) {
    }

    public record ReauthSession(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }

    /** The episode's durable link: every visit mints its own session state, so it outlives a failed attempt. */
    public record ReauthLink(String url, OffsetDateTime expiresAt) {
    }

    public record Reauthenticated(String connectionId, String customerId, OffsetDateTime reauthenticatedAt,
                                  String connectionStatus, List<EntityStatus> entities) {
    }

    /** {@code by}: {@code finch} (Finch said so) or {@code operator}. */
    public record Disconnected(String connectionId, String customerId, OffsetDateTime disconnectedAt,
                               List<String> entityIds, String by, String connectionStatus, List<EntityStatus> entities) {
    }

    /**
     * Finch finished a data sync: {@code kind} is its webhook's event type, {@code job_id} and {@code job_url} as Finch
     * sent them, {@code synced_at} when this service received the webhook.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DataSynced(String connectionId, String customerId, String kind, String jobId, String jobUrl,
                             String entityId, OffsetDateTime syncedAt, String connectionStatus, List<EntityStatus> entities) {
    }

    /** The connection's last successful sync is older than the threshold: once per stale spell. */
    public record Stale(String connectionId, String customerId, OffsetDateTime lastSuccessfulSync, String connectionStatus,
                        List<EntityStatus> entities) {
    }
}
