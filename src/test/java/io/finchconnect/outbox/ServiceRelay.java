package io.finchconnect.outbox;

import java.time.Duration;

import io.quarkus.arc.Arc;

/**
 * The application's own relay, set aside by the tests of relays they start themselves (it would take partitions
 * and rows from them) and back for the tests after them, which count on it: the same application serves both,
 * instead of a build of one without a relay.
 */
final class ServiceRelay {

    private ServiceRelay() {
    }

    static void setAside() {
        lifecycle().stopRelay(Duration.ofSeconds(10));
    }

    static void back() {
        lifecycle().startRelay();
    }

    private static OutboxRelayLifecycle lifecycle() {
        return Arc.container().instance(OutboxRelayLifecycle.class).get();
    }
}
