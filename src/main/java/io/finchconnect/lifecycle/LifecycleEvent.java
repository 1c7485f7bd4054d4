package io.finchconnect.lifecycle;

import java.util.List;

/** What the platform is told: each becomes one {@code finch.connection.*} event, with where the connection stands. */
public sealed interface LifecycleEvent {

    /** {@code finch.connection.established}: Finch granted a new connection. */
    record Established() implements LifecycleEvent {
    }

    /** {@code finch.connection.reauth_needed}: without the session when an episode opens, with it once it exists. */
    record ReauthNeeded(boolean withSession, List<String> entityIds) implements LifecycleEvent {
    }

    /** {@code finch.connection.reauthenticated}: the open episode ended. */
    record Reauthenticated() implements LifecycleEvent {
    }

    /**
     * {@code finch.connection.disconnected}: the connection ({@code connection_status} disconnected) or only the
     * entities named, {@code byOperator} when an operator asked Finch for it.
     */
    record Disconnected(List<String> entityIds, boolean byOperator) implements LifecycleEvent {
    }

    /** {@code finch.connection.data_synced}: Finch finished a data sync, as its webhook said. */
    record DataSynced(String kind, String jobId, String jobUrl, String entityId) implements LifecycleEvent {
    }

    /** {@code finch.connection.stale}: the last successful sync is older than the threshold; once per spell. */
    record Stale(java.time.Instant lastSuccessfulSync) implements LifecycleEvent {
    }
}
