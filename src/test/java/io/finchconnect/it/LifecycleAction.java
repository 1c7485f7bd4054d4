package io.finchconnect.it;

import java.util.List;

/**
 * One step of a {@link LifecycleModelIT} sequence: what Finch, the employer, an operator or the platform does.
 * Connections and entities are named by their index in the sequence ({@link LifecycleWorld#ENTITIES}), so a shrunk
 * sequence reads, and is replayed as a regression test, exactly as printed. A step that no longer applies when it
 * runs (its entity already gone, no link to follow) does nothing and says so in the sequence's log.
 */
sealed interface LifecycleAction {

    void run(LifecycleWorld world) throws Exception;

    /** How Finch delivers the account.updated of a change. */
    enum Delivery {
        /** Delivered at once. */
        NOW,
        /** Held; delivered later by {@link WaitingWebhooksDelivered} or the final settling, in either order. */
        HOLD,
        /** The first attempt fails; delivered later as a held one. */
        FAIL_FIRST,
        /** Lost: only reconciliation finds the change. */
        DROP,
        /** Delivered twice, as Finch's retries make duplicates. */
        TWICE
    }

    /** Finch changes the connection's status (and its attached entities'). */
    record FinchSetsStatus(int connection, String status, Delivery delivery) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.finchSetsStatus(connection, status, delivery);
        }
    }

    /** Finch changes one entity's status. */
    record FinchSetsEntityStatus(int connection, int entity, String status, Delivery delivery) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.finchSetsEntityStatus(connection, entity, status, delivery);
        }
    }

    /** Finch ends the connection: every token revoked. */
    record FinchDisconnects(int connection, Delivery delivery) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.finchSetsStatus(connection, "disconnected", delivery);
        }
    }

    /** Finch removes one entity; the connection stays. */
    record FinchDisconnectsEntity(int connection, int entity, Delivery delivery) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.finchSetsEntityStatus(connection, entity, "disconnected", delivery);
        }
    }

    /** Finch delivers every held webhook now, oldest or newest first. */
    record WaitingWebhooksDelivered(boolean newestFirst) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.deliverWaitingWebhooks(newestFirst);
        }
    }

    /** The employer opens the episode's link the service handed out and completes Connect (redirect flow). */
    record EmployerReauthenticates(int connection) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.employerReauthenticates(connection);
        }
    }

    /** The employer opens the episode's link and leaves Connect without authorizing. */
    record EmployerAbandons(int connection) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.employerAbandons(connection);
        }
    }

    /**
     * An operator disconnects through the API: the whole connection ({@code entities} empty) or those entities;
     * with {@code answerLost}, Finch does it but its answer never reaches the service ({@code HELD}: held past the
     * client's timeout unless released; {@code GATEWAY_5XX}: a 502 after Finch did the work).
     */
    record OperatorDisconnects(int connection, List<Integer> entities, AnswerLost answerLost) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.operatorDisconnects(connection, entities, answerLost);
        }
    }

    enum AnswerLost { NO, HELD, GATEWAY_5XX }

    /** Finch's introspection of the connection fails the next {@code times} calls. */
    record IntrospectionFault(int connection, Fault fault, int times) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.introspectionFault(connection, fault, times);
        }
    }

    enum Fault {
        /** Finch's 503. */
        UNAVAILABLE,
        /** Finch's 429 with Retry-After: 1. */
        RATE_LIMITED,
        /** A proxy's HTML 401: not Finch's. */
        HTML_401,
        /** Finch's answer as of now, sent when released (or never, past the client's timeout). */
        HELD_ANSWER
    }

    /** The connection's faults end. */
    record FaultsCleared(int connection) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.clearFaults(connection);
        }
    }

    /** Every held Finch answer is sent now. */
    record HeldAnswersReleased() implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.releaseHeldAnswers();
        }
    }

    /** A reconciliation pass over the sequence's connections. */
    record Reconciliation() implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.reconcile();
        }
    }

    /** The service stops (SIGTERM, or kill -9) and a new process starts on the same database. */
    record Restart(boolean kill9) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            world.restart(kill9);
        }
    }

    /** Time passes: the service works through what it has before the next step. */
    record Pause(int millis) implements LifecycleAction {
        public void run(LifecycleWorld world) throws Exception {
            Thread.sleep(millis);
        }
    }
}
