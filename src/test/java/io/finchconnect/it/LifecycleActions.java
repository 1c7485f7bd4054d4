package io.finchconnect.it;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.finchconnect.it.LifecycleAction.AnswerLost;
import io.finchconnect.it.LifecycleAction.Delivery;
import io.finchconnect.it.LifecycleAction.Fault;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;

/**
 * The sequences {@link LifecycleModelIT} draws. Weights favour what makes interleavings: status changes whose
 * webhooks are held, lost or doubled, the employer coming back through the link, and reconciliation; a Finch-side
 * disconnect, an operator's, faults and restarts are rarer. Each step is drawn from what still makes sense in the
 * sequence (a status for a connection Finch has not ended, an entity not removed).
 */
final class LifecycleActions {

    private LifecycleActions() {
    }

    static ActionChainArbitrary<LifecycleWorld> sequences(Supplier<LifecycleWorld> start, int maxActions) {
        return ActionChain.<LifecycleWorld>startWith(start)
                .withAction(9, step(world -> !world.liveConnections().isEmpty(), world -> Combinators.combine(
                        Arbitraries.of(world.liveConnections()), status(), delivery()).as(LifecycleAction.FinchSetsStatus::new)))
                .withAction(6, step(world -> !multiEntity(world).isEmpty(), world -> Arbitraries.of(multiEntity(world))
                        .flatMap(connection -> Combinators.combine(Arbitraries.of(world.connections.get(connection).attachedEntities()),
                                status(), delivery()).as((entity, status, delivery) ->
                                new LifecycleAction.FinchSetsEntityStatus(connection, entity, status, delivery)))))
                .withAction(1, step(world -> !world.liveConnections().isEmpty(), world -> Combinators.combine(
                        Arbitraries.of(world.liveConnections()), delivery()).as(LifecycleAction.FinchDisconnects::new)))
                .withAction(2, step(world -> !multiEntity(world).isEmpty(), world -> Arbitraries.of(multiEntity(world))
                        .flatMap(connection -> Combinators.combine(Arbitraries.of(world.connections.get(connection).attachedEntities()),
                                delivery()).as((entity, delivery) -> new LifecycleAction.FinchDisconnectsEntity(connection, entity, delivery)))))
                .withAction(4, step(world -> true, world -> Arbitraries.of(false, true).map(LifecycleAction.WaitingWebhooksDelivered::new)))
                .withAction(8, step(world -> !world.connectionsNeedingTheEmployer().isEmpty(),
                        world -> Arbitraries.of(world.connectionsNeedingTheEmployer())
                                .map(LifecycleAction.EmployerReauthenticates::new)))
                .withAction(1, step(world -> !world.liveConnections().isEmpty(),
                        world -> Arbitraries.of(world.liveConnections())
                                .map(LifecycleAction.EmployerReauthenticates::new)))
                .withAction(1, step(world -> !world.liveConnections().isEmpty(), world -> Arbitraries.of(world.liveConnections())
                        .map(LifecycleAction.EmployerAbandons::new)))
                .withAction(3, step(world -> !world.liveConnections().isEmpty(), world -> Arbitraries.of(world.liveConnections())
                        .flatMap(connection -> Combinators.combine(operatorsEntities(world, connection),
                                Arbitraries.frequency(Tuple.of(2, AnswerLost.NO), Tuple.of(1, AnswerLost.HELD),
                                        Tuple.of(1, AnswerLost.GATEWAY_5XX)))
                                .as((entities, lost) -> new LifecycleAction.OperatorDisconnects(connection, entities, lost)))))
                .withAction(4, step(world -> true, world -> Combinators.combine(Arbitraries.integers().between(0, world.connections.size() - 1),
                        Arbitraries.of(Fault.class), Arbitraries.integers().between(1, 4)).as(LifecycleAction.IntrospectionFault::new)))
                .withAction(1, step(world -> true, world -> Arbitraries.integers().between(0, world.connections.size() - 1)
                        .map(LifecycleAction.FaultsCleared::new)))
                .withAction(2, step(world -> true, world -> Arbitraries.just(new LifecycleAction.HeldAnswersReleased())))
                .withAction(4, step(world -> true, world -> Arbitraries.just(new LifecycleAction.Reconciliation())))
                .withAction(1, step(LifecycleWorld::restartAllowed, world -> Arbitraries.of(false, true).map(LifecycleAction.Restart::new)))
                .withAction(4, step(world -> true, world -> Arbitraries.of(200, 500, 1200).map(LifecycleAction.Pause::new)))
                .withMaxTransformations(maxActions);
    }

    private static List<Integer> multiEntity(LifecycleWorld world) {
        return world.liveConnections().stream().filter(i -> world.connections.get(i).entityIds.size() > 1
                && !world.connections.get(i).attachedEntities().isEmpty()).toList();
    }

    /** The whole connection (an empty list) now and then, else one or two of its attached entities. */
    private static Arbitrary<List<Integer>> operatorsEntities(LifecycleWorld world, int connection) {
        List<Integer> attached = world.connections.get(connection).attachedEntities();
        if (attached.isEmpty() || world.connections.get(connection).entityIds.size() == 1) {
            return Arbitraries.just(List.of());
        }
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(List.<Integer>of())),
                Tuple.of(3, Arbitraries.of(attached).list().ofMinSize(1).ofMaxSize(2).uniqueElements()));
    }

    private static Arbitrary<String> status() {
        return Arbitraries.frequency(Tuple.of(2, "connected"), Tuple.of(1, "pending"), Tuple.of(1, "processing"),
                Tuple.of(2, "reauth"), Tuple.of(1, "error_permissions"), Tuple.of(1, "error_no_account_setup"));
    }

    private static Arbitrary<Delivery> delivery() {
        return Arbitraries.frequency(Tuple.of(3, Delivery.NOW), Tuple.of(2, Delivery.HOLD), Tuple.of(1, Delivery.FAIL_FIRST),
                Tuple.of(2, Delivery.DROP), Tuple.of(1, Delivery.TWICE));
    }

    private static Action.Dependent<LifecycleWorld> step(Predicate<LifecycleWorld> applies,
                                                         Function<LifecycleWorld, Arbitrary<? extends LifecycleAction>> steps) {
        return new Action.Dependent<>() {
            @Override
            public boolean precondition(LifecycleWorld world) {
                return applies.test(world);
            }

            @Override
            public Arbitrary<Transformer<LifecycleWorld>> transformer(LifecycleWorld world) {
                return steps.apply(world).map(action -> Transformer.mutate(action.toString(), w -> w.apply(action)));
            }
        };
    }
}
