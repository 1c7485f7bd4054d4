package io.finchconnect.lifecycle;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What can happen to a connection: each is one column of the lifecycle's table (docs/lifecycle.md). */
public sealed interface LifecycleInput {

    /** The short name the lifecycle's table uses for the input. */
    String name();

    /**
     * Finch's introspection, asked at the row's version {@code askedAt}: its connection-level status, its entities'
     * statuses ({@code entities}, keyed by id, may be empty) and its {@code last_successful_sync} (null: none), as
     * learnt at {@code at}. The inbox (a webhook's or a service's hint) and the reconciler bring it alike.
     */
    record Observed(int askedAt, ConnectionStatus connectionStatus, Map<String, ConnectionStatus> entities,
                    Instant lastSuccessfulSync, Instant at) implements LifecycleInput {

        /** An observation that says nothing of syncs. */
        public Observed(int askedAt, ConnectionStatus connectionStatus, Map<String, ConnectionStatus> entities) {
            this(askedAt, connectionStatus, entities, null, null);
        }

        public String name() {
            return "observed " + connectionStatus.finchName();
        }
    }

    /** Finch refused the connection's token at {@code /introspect} with {@code 401 reauthenticate_user}. */
    record ReauthRequired(int askedAt) implements LifecycleInput {
        public String name() {
            return "401 reauthenticate_user";
        }
    }

    /**
     * Finch refused the connection's token at {@code /introspect} with another 401 in its error shape, which is
     * what a disconnected connection's tokens get, at {@code at}; {@code finchSaidDisconnected}: an
     * {@code account.updated} webhook for the connection said {@code disconnected}.
     */
    record TokenRefused(int askedAt, Instant at, boolean finchSaidDisconnected) implements LifecycleInput {
        public String name() {
            return finchSaidDisconnected ? "other 401, webhook said disconnected" : "other 401";
        }
    }

    /**
     * Finch could not be asked: a 5xx, a timeout, a 429, a 401 that is not in Finch's shape (a proxy's page), or a
     * Finch-shaped 403 or 404 at {@code /introspect}, which Finch does not document as a disconnect.
     */
    record Unavailable() implements LifecycleInput {
        public String name() {
            return "Finch unavailable";
        }
    }

    /** The employer completed Connect for the connection: a code exchange gave a new token for {@code entityIds}. */
    record EmployerCameBack(List<String> entityIds) implements LifecycleInput {
        public String name() {
            return "employer came back";
        }
    }

    /**
     * A reauthentication session for episode {@code episode} was made: by the sweeper, or through the API, for the
     * open episode or, on a connection that needs nothing, for a new one ({@code episode} one past the last).
     */
    record SessionCreated(int episode) implements LifecycleInput {
        public String name() {
            return "session created";
        }
    }

    /**
     * Finch's webhook that a data sync finished ({@code kind}: {@code job.initial_data_sync_org.succeeded},
     * {@code job.initial_data_sync_payroll.succeeded} or {@code job.data_sync_all.completed}), with its job as
     * Finch sent it.
     */
    record DataSynced(String kind, String jobId, String jobUrl, String entityId) implements LifecycleInput {
        public String name() {
            return "Finch's data sync finished";
        }
    }

    /** An operator asks Finch to disconnect the connection ({@code entityIds} null) or some of its entities. */
    record DisconnectIntent(List<String> entityIds) implements LifecycleInput {
        public String name() {
            return entityIds == null ? "operator disconnect intent" : "operator entity disconnect intent";
        }
    }

    /**
     * Finch's answer to an operator's disconnect: {@code done} (Finch disconnected them) or not (Finch refused, or
     * was never reached). A lost answer is no input: the intent stays and the next observation settles it.
     */
    record DisconnectOutcome(List<String> entityIds, boolean done) implements LifecycleInput {
        public String name() {
            return (entityIds == null ? "operator disconnect " : "operator entity disconnect ") + (done ? "done" : "not done");
        }
    }
}
