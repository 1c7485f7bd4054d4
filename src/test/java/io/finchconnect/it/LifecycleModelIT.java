package io.finchconnect.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.finchconnect.it.LifecycleWorld.Outcome;
import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.TestStack;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.state.ActionChain;

/**
 * The connection lifecycle as a model-based property, end to end: random sequences of what Finch does (status
 * changes of a connection or one entity, their account.updated webhooks delivered now, held and delivered later
 * in either order, lost or doubled; disconnects), what the employer does (completes the episode's link, or leaves
 * Connect), what an operator does (disconnects through the API, sometimes with Finch's answer lost), Finch's
 * introspection failing for a while (503, 429, a proxy's HTML 401, an answer held), restarts of the service (SIGTERM
 * or kill -9) and reconciliation passes, against the production jar, its PostgreSQL and Kafka, and the Finch
 * simulator. Each sequence has connections of its own, one single-entity and two multi-entity. At its end Finch's
 * faults are cleared, held answers and webhooks delivered, and reconciliation runs until the service has caught
 * up; then {@link LifecycleInvariants} must hold for every connection: the service's status is Finch's, entity by
 * entity; its events are a word of the lifecycle; every change of Finch's that lasted was announced.
 *
 * <p>The normal build runs {@value LifecycleRuns#NORMAL_SEQUENCES} sequences from a fixed seed; {@code -Pthorough}
 * runs {@value LifecycleRuns#THOROUGH_SEQUENCES} with new ones ({@link LifecycleRuns}: {@code -Dlifecycle.sequences},
 * {@code -Dlifecycle.actions}, {@code -Dlifecycle.seed}). jqwik shrinks a failing sequence and prints its steps; each
 * one found is kept below as a regression example with its exact steps.
 */
@AddLifecycleHook(LifecycleRuns.class)
class LifecycleModelIT {

    private static final Logger LOG = Logger.getLogger(LifecycleModelIT.class);
    private static final AtomicInteger SEQUENCES = new AtomicInteger();
    private static final AtomicInteger STEPS = new AtomicInteger();
    private static LifecycleService service;
    private static EventTopic topic;
    private static long started;

    @BeforeContainer
    static void startTheService() throws Exception {
        started = System.nanoTime();
        topic = new EventTopic("finch.connection-events", TestStack.get().config().get("kafka.bootstrap.servers"));
        service = LifecycleService.start();
    }

    @AfterContainer
    static void stopTheService() throws Exception {
        try {
            if (service != null) {
                service.close();
            }
        } finally {
            if (topic != null) {
                topic.close();
            }
        }
        LOG.infof("LifecycleModelIT: %d sequences (%d steps) in %d s", SEQUENCES.get(), STEPS.get(),
                (System.nanoTime() - started) / 1_000_000_000L);
    }

    @Property(tries = LifecycleRuns.THOROUGH_SEQUENCES, shrinking = ShrinkingMode.BOUNDED)
    void everySequenceEndsWhereFinchIsWithEveryChangeAnnounced(@ForAll("sequences") ActionChain<LifecycleWorld> sequence)
            throws Exception {
        check(sequence.run());
    }

    @Provide
    Arbitrary<ActionChain<LifecycleWorld>> sequences() {
        return Arbitraries.integers().between(LifecycleRuns.minActions(), LifecycleRuns.maxActions())
                .flatMap(length -> LifecycleActions.sequences(() -> LifecycleWorld.start(service, topic), length));
    }

    /**
     * A product bug the property found (thorough run, seed 6165926713415311620), fixed in the lifecycle, where a removed
     * entity now stays removed: an entity Finch removed came back with the employer. Finch removes entity 0 of a three-entity connection; the service announces it
     * ({@code disconnected}, {@code by: finch}) and keeps it in {@code disconnected_entity_ids}. The connection goes to
     * {@code reauth} and the employer completes the episode's link: the code exchange takes the token's
     * {@code entity_ids} (Finch lists every entity of the connection, the removed one too) as the attached entities,
     * all {@code connected}, without setting the removed ones aside. The {@code reauthenticated} event then shows entity
     * 0 twice, {@code connected} and {@code disconnected}, and the next introspection announces its removal a second
     * time. Expected: entity 0 stays removed ({@code disconnected} once in each event, announced once).
     */
    @Example
    void anEntityFinchRemovedStaysRemovedWhenTheEmployerReauthenticates() throws Exception {
        replay(new LifecycleAction.FinchDisconnectsEntity(2, 0, LifecycleAction.Delivery.NOW),
                new LifecycleAction.FinchSetsStatus(2, "reauth", LifecycleAction.Delivery.NOW),
                new LifecycleAction.EmployerReauthenticates(2));
    }

    /**
     * The same product bug as {@link #anEntityFinchRemovedStaysRemovedWhenTheEmployerReauthenticates}, as the
     * property found it (thorough run, seed 6165926713415311620, try 23; jqwik could not shrink it further): the
     * removal of entity 0 of connection 2 is lost and found by the introspection of the next webhook, the employer
     * reauthenticates, and entity 0's removal is announced a second time.
     */
    @Example
    void anEntityRemovedWhileItsWebhookWasLostIsAnnouncedOnceAcrossARestartAndAReauthentication() throws Exception {
        replay(new LifecycleAction.FinchSetsStatus(1, "reauth", LifecycleAction.Delivery.HOLD),
                new LifecycleAction.Pause(1200),
                new LifecycleAction.FinchDisconnectsEntity(2, 0, LifecycleAction.Delivery.DROP),
                new LifecycleAction.Restart(true),
                new LifecycleAction.FinchSetsEntityStatus(2, 1, "connected", LifecycleAction.Delivery.NOW),
                new LifecycleAction.HeldAnswersReleased(),
                new LifecycleAction.EmployerAbandons(2),
                new LifecycleAction.WaitingWebhooksDelivered(false),
                new LifecycleAction.HeldAnswersReleased(),
                new LifecycleAction.EmployerReauthenticates(1),
                new LifecycleAction.Pause(200),
                new LifecycleAction.FinchSetsStatus(2, "reauth", LifecycleAction.Delivery.TWICE),
                new LifecycleAction.FinchDisconnectsEntity(1, 0, LifecycleAction.Delivery.DROP),
                new LifecycleAction.EmployerReauthenticates(2));
    }

    /**
     * Test bug, found by the property (thorough run, seed 1597815096242806092, shrunk): the operator removed the last
     * two entities of connection 2 (Finch had removed the other), which ended it {@code by: operator}, as the service
     * announced; the model still took the connection for live, let Finch disconnect it too and expected
     * {@code by: finch}. The model now takes a connection without entities for ended, and judges {@code by} by the
     * entities each event names.
     */
    @Example
    void anOperatorRemovingTheLastEntitiesEndsTheConnectionAnnouncedByTheOperator() throws Exception {
        replay(new LifecycleAction.HeldAnswersReleased(),
                new LifecycleAction.FinchDisconnectsEntity(2, 1, LifecycleAction.Delivery.TWICE),
                new LifecycleAction.FinchSetsEntityStatus(2, 0, "error_no_account_setup", LifecycleAction.Delivery.NOW),
                new LifecycleAction.Pause(200),
                new LifecycleAction.IntrospectionFault(0, LifecycleAction.Fault.RATE_LIMITED, 4),
                new LifecycleAction.WaitingWebhooksDelivered(true),
                new LifecycleAction.Reconciliation(),
                new LifecycleAction.IntrospectionFault(0, LifecycleAction.Fault.HELD_ANSWER, 1),
                new LifecycleAction.FinchSetsEntityStatus(1, 0, "error_no_account_setup", LifecycleAction.Delivery.HOLD),
                new LifecycleAction.OperatorDisconnects(2, List.of(0, 2), LifecycleAction.AnswerLost.NO),
                new LifecycleAction.FinchDisconnects(2, LifecycleAction.Delivery.NOW));
    }

    /**
     * Test bug, found by the property (thorough run, seed 1597815096242806092, try 58): Finch removes entity 0 of
     * connection 1, its webhook's first delivery fails and the reconciliation's introspection is held; the operator then
     * removes entity 1, the last one at Finch. The service announces entity 1 {@code by: operator} and, learning of
     * entity 0 afterwards, the connection's end naming entity 0 {@code by: finch}: right, as the event is about the
     * removal it names. The model had expected the end {@code by: operator}, who removed the last entity at Finch.
     */
    @Example
    void anEndLearnedFromFinchsEarlierRemovalAfterTheOperatorsIsAnnouncedByFinch() throws Exception {
        replay(new LifecycleAction.FinchDisconnectsEntity(1, 0, LifecycleAction.Delivery.FAIL_FIRST),
                new LifecycleAction.IntrospectionFault(1, LifecycleAction.Fault.HELD_ANSWER, 2),
                new LifecycleAction.Reconciliation(),
                new LifecycleAction.WaitingWebhooksDelivered(false),
                new LifecycleAction.OperatorDisconnects(1, List.of(1), LifecycleAction.AnswerLost.NO));
    }

    /**
     * A product bug the property found (thorough run, seed -7454748468223452364, shrunk by jqwik), fixed in the reauth
     * session's intent: the service was killed while it asked Finch for the new episode's session, and the next
     * instance waited out REAUTH_UNCERTAIN_RETRY_AFTER (an hour) before asking again, the employer left without a
     * link. An intent now holds the episode back for the lease only while its call is in flight, and for
     * REAUTH_UNCERTAIN_RETRY_AFTER only once a call ended without a clear answer.
     */
    @Example
    void anEpisodeWhoseSessionWasBeingMadeWhenTheServiceWasKilledGetsItsLink() throws Exception {
        replay(new LifecycleAction.FinchSetsStatus(0, "reauth", LifecycleAction.Delivery.TWICE),
                new LifecycleAction.WaitingWebhooksDelivered(true),
                new LifecycleAction.Reconciliation(),
                new LifecycleAction.FaultsCleared(1),
                new LifecycleAction.Restart(true));
    }

    /** Runs exactly these steps in a new sequence, then settles and checks it as the property does. */
    static void replay(LifecycleAction... steps) throws Exception {
        LifecycleWorld world = LifecycleWorld.start(service, topic);
        for (LifecycleAction step : steps) {
            world.apply(step);
        }
        check(world);
    }

    private static void check(LifecycleWorld world) throws Exception {
        int sequence = SEQUENCES.incrementAndGet();
        long steps = world.log().stream().filter(line -> !line.startsWith(" ")).count();
        STEPS.addAndGet((int) steps);
        long settling = System.nanoTime();
        List<Outcome> outcomes = world.settle();
        LOG.infof("sequence %d: %d steps, settled in %d ms: %s", sequence, steps, (System.nanoTime() - settling) / 1_000_000,
                String.join(" | ", world.log()));
        for (Outcome outcome : outcomes) {
            LOG.infof("  %s: %s; events %s", outcome.connection().id, LifecycleInvariants.finchSummary(outcome.atFinch()),
                    describe(outcome.events()));
        }
        List<String> violations = new ArrayList<>();
        for (Outcome outcome : outcomes) {
            List<String> found = new ArrayList<>(LifecycleInvariants.statusViolations(outcome));
            found.addAll(LifecycleInvariants.announcementViolations(outcome));
            if (!found.isEmpty()) {
                violations.add("connection " + world.connections.indexOf(outcome.connection()) + " ("
                        + outcome.connection().entityIds.size() + " entities, " + outcome.connection().id + "): "
                        + String.join("; ", found) + "\n    events: " + describe(outcome.events()));
            }
        }
        if (!violations.isEmpty()) {
            throw new AssertionError("after the steps\n  " + String.join("\n  ", world.log()) + "\n" + String.join("\n", violations));
        }
    }

    private static String describe(List<JsonNode> events) {
        List<String> described = new ArrayList<>();
        for (JsonNode event : events) {
            JsonNode data = event.has("data") && event.get("data").isObject() ? event.get("data") : event;
            StringBuilder line = new StringBuilder(event.get("ce_type").asText().replace("finch.connection.", ""));
            if (data.path("reauth_session").isObject()) {
                line.append("+link");
            }
            line.append('[').append(data.path("connection_status").asText());
            data.path("entities").forEach(entity -> line.append(' ').append(entity.get("entity_id").asText(), 0, 4)
                    .append('=').append(entity.get("status").asText()));
            if (data.has("entity_ids") && !event.get("ce_type").asText().endsWith("established")) {
                line.append(" ids=").append(data.get("entity_ids").size());
            }
            if (data.has("by")) {
                line.append(" by=").append(data.get("by").asText());
            }
            if (data.has("reason")) {
                line.append(" reason=").append(data.get("reason").asText());
            }
            described.add(line.append(']').toString());
        }
        return String.join(", ", described);
    }
}
