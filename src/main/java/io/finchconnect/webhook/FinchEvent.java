package io.finchconnect.webhook;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of a Finch webhook (docs/finch.md): which connection, what happened, and the event's data.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FinchEvent(String connectionId, String companyId, String accountId, String entityId, String eventType,
                         JsonNode data) {

    /** The event type of a service's report that Finch answered it {@code reauthenticate_user}. */
    public static final String REAUTH_REPORTED = "connection.reauth_reported";

    /** Finch's webhooks that a data sync finished: what {@code finch.connection.data_synced} announces. */
    public static final java.util.Set<String> DATA_SYNCS = java.util.Set.of("job.initial_data_sync_org.succeeded",
            "job.initial_data_sync_payroll.succeeded", "job.data_sync_all.completed");

    /** Whether Finch says a data sync of the connection finished. */
    public boolean isDataSync() {
        // Set.of refuses to look up null.
        return connectionId != null && eventType != null && DATA_SYNCS.contains(eventType);
    }

    /** The job's id and URL as Finch sent them ({@code data.job_id}, {@code data.job_url}). */
    public String jobId() {
        return text("job_id");
    }

    public String jobUrl() {
        return text("job_url");
    }

    private String text(String field) {
        JsonNode value = data == null ? null : data.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    /** The connection status the event reports, if it reports one ({@code account.updated} and others). */
    public String reportedStatus() {
        JsonNode status = data == null ? null : data.get("status");
        return status != null && status.isTextual() ? status.asText() : null;
    }

    /**
     * Whether the event says something about the connection's status, which makes the service ask Finch:
     * {@code account.updated} (the only event that carries a status), a job that ended in {@code reauth_error},
     * or a service's report.
     */
    public boolean isStatusHint() {
        if (connectionId == null || eventType == null) {
            return false;
        }
        String status = reportedStatus();
        return ("account.updated".equals(eventType) && status != null)
                || (eventType.startsWith("job.") && "reauth_error".equals(status))
                || REAUTH_REPORTED.equals(eventType);
    }
}
