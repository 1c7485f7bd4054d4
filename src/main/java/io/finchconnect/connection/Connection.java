package io.finchconnect.connection;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.finchconnect.lifecycle.ConnectionStatus;

/**
 * A customer's Finch connection: its status as last reported by Finch, what it gives access to, and its
 * access token encrypted by the token vault. {@code reauthEpisode} counts the times it entered
 * {@code reauth}, so each episode gets exactly one reauthentication session.
 */
@Entity
@Table(name = "connections")
public class Connection extends PanacheEntityBase {

    /**
     * The migrations declare the array columns {@code text[]}; Hibernate's schema validation reads them back under
     * PostgreSQL's own name for that type, {@code _text}, and would otherwise expect {@code varchar(255) array}.
     */
    private static final String TEXT_ARRAY = "_text";

    @Id
    @Column(name = "connection_id")
    public String connectionId;

    @Column(name = "customer_id", nullable = false)
    public String customerId;

    @Column(name = "status", nullable = false)
    public ConnectionStatus status;

    /** When this service last applied a status Finch gave; recorded, never compared. */
    @Column(name = "status_changed_at", nullable = false)
    public OffsetDateTime statusChangedAt;

    @Column(name = "reauth_episode", nullable = false)
    public int reauthEpisode;

    @Column(name = "reauth_attempts", nullable = false)
    public int reauthAttempts;

    @Column(name = "reauth_next_attempt_at")
    public OffsetDateTime reauthNextAttemptAt;

    /** The event that started the current reauth episode, repeated by the follow-up event with the session. */
    @Column(name = "reauth_source_event_id")
    public String reauthSourceEventId;

    @Column(name = "reauth_detected_at")
    public OffsetDateTime reauthDetectedAt;

    /** Why the current reauth episode began: the status, or {@code reported} / {@code reconciled} / {@code requested}. */
    @Column(name = "reauth_reason")
    public String reauthReason;

    /**
     * Whether a reauth episode that Finch's statuses opened is open: from the status that needed the employer
     * until Finch says {@code connected}, through {@code pending} or {@code processing} in between.
     */
    @Column(name = "reauth_open", nullable = false)
    public boolean reauthOpen;

    /** Set while an episode asked for through the API on a connection that did not need the employer is open. */
    @Column(name = "reauth_requested_at")
    public OffsetDateTime reauthRequestedAt;

    @Column(name = "company_id")
    public String companyId;

    @Column(name = "provider_id")
    public String providerId;

    @Column(name = "connection_type")
    public String connectionType;

    @Column(name = "client_type")
    public String clientType;

    @Column(name = "products", nullable = false, columnDefinition = TEXT_ARRAY)
    public String[] products = new String[0];

    @Column(name = "entity_ids", nullable = false, columnDefinition = TEXT_ARRAY)
    public String[] entityIds = new String[0];

    /** Finch's status of each entity of {@code entityIds}, keyed by the entity's id. */
    @Column(name = "entity_statuses_by_id", nullable = false, columnDefinition = "jsonb")
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> entityStatuses = new LinkedHashMap<>();

    /** The token's three columns are empty once the connection is disconnected: its token died with it. */
    @Column(name = "token_key_id")
    public String tokenKeyId;

    /**
     * Grows with every change to the connection's status, entities, token or disconnect request, counted by the
     * database (V14's trigger), never written here: what an observation of Finch is applied against.
     */
    @Column(name = "version", nullable = false, insertable = false, updatable = false)
    public int version;

    @Column(name = "token_ciphertext")
    public byte[] tokenCiphertext;

    /** {@link io.finchconnect.connection.vault.TokenFormat#code()} of the ciphertext. */
    @Column(name = "token_format")
    @JdbcTypeCode(SqlTypes.SMALLINT)
    public Integer tokenFormat;

    @Column(name = "connected_at", nullable = false)
    public OffsetDateTime connectedAt;

    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;

    /** Set when an operator asked for the disconnect, before Finch was called: the event says {@code by: operator}. */
    @Column(name = "disconnect_requested_at")
    public OffsetDateTime disconnectRequestedAt;

    /** Entities removed through Finch's {@code /disconnect-entity}; {@code entityIds} keeps those still attached. */
    @Column(name = "disconnected_entity_ids", nullable = false, columnDefinition = TEXT_ARRAY)
    public String[] disconnectedEntityIds = new String[0];

    /** Entities an operator asked Finch to disconnect, until Finch's answer or an observation settles it. */
    @Column(name = "disconnect_requested_entity_ids", nullable = false, columnDefinition = TEXT_ARRAY)
    public String[] disconnectRequestedEntityIds = new String[0];

    /** Finch's {@code last_successful_sync} as last observed. */
    @Column(name = "last_successful_sync")
    public OffsetDateTime lastSuccessfulSync;

    /** Since when the last successful sync has been older than the threshold; null outside a stale spell. */
    @Column(name = "stale_since")
    public OffsetDateTime staleSince;

    /** When Finch first refused the token with a 401 that is not {@code reauthenticate_user}, until settled. */
    @Column(name = "disconnect_suspected_at")
    public OffsetDateTime disconnectSuspectedAt;
}
