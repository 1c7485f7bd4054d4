package io.finchconnect.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.finchconnect.lifecycle.LifecycleEvent.Disconnected;
import io.finchconnect.lifecycle.LifecycleEvent.ReauthNeeded;
import io.finchconnect.lifecycle.LifecycleEvent.Reauthenticated;

/**
 * The lifecycle on the paths that were wrong when each class decided its own part of it, and the counterexamples
 * LifecyclePropertiesTest shrank, each by name.
 */
class LifecycleTest {

    private static final Duration DELAY = Duration.ofSeconds(30);
    private static final Lifecycle LIFECYCLE = new Lifecycle(DELAY, Duration.ofDays(8));
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private LifecycleState state = LifecycleState.established(List.of("e1", "e2"));

    private List<LifecycleEvent> apply(LifecycleInput input) {
        Decision decision = LIFECYCLE.decide(state, input);
        LifecycleState after = decision.state();
        // The database's trigger counts a change of status or entities.
        boolean counted = after.status() != state.status() || !after.attached().equals(state.attached())
                || !after.removed().equals(state.removed());
        state = counted ? after.withVersion(after.version() + 1) : after;
        return decision.events();
    }

    private LifecycleInput finchShows(ConnectionStatus status) {
        return new LifecycleInput.Observed(state.version(), status, Map.of("e1", status, "e2", status));
    }

    @Test
    void reauthClosedByWayOfPendingIsAnnouncedOnce() {
        assertThat(apply(finchShows(ConnectionStatus.REAUTH))).singleElement().isInstanceOf(ReauthNeeded.class);
        assertThat(apply(finchShows(ConnectionStatus.PENDING))).isEmpty();
        assertThat(apply(finchShows(ConnectionStatus.PROCESSING))).isEmpty();
        assertThat(apply(finchShows(ConnectionStatus.CONNECTED))).singleElement().isInstanceOf(Reauthenticated.class);
        assertThat(apply(finchShows(ConnectionStatus.CONNECTED))).isEmpty();
    }

    @Test
    void anAnswerAskedBeforeALaterChangeIsAskedAgainNeverApplied() {
        int askedAt = state.version();
        apply(finchShows(ConnectionStatus.REAUTH));
        apply(new LifecycleInput.EmployerCameBack(List.of("e1", "e2")));
        Decision stale = LIFECYCLE.decide(state, new LifecycleInput.Observed(askedAt, ConnectionStatus.REAUTH, Map.of()));
        assertThat(stale.kind()).isEqualTo(Decision.Kind.STALE);
        assertThat(stale.events()).isEmpty();
        assertThat(stale.askAgainIn()).isEqualTo(Duration.ZERO);
    }

    @Test
    void oneRefusalOfTheTokenIsASuspicionAndASecondAfterTheDelayEndsTheConnection() {
        assertThat(apply(new LifecycleInput.TokenRefused(state.version(), T0, false))).isEmpty();
        assertThat(state.status()).isEqualTo(ConnectionStatus.CONNECTED);
        assertThat(state.disconnectSuspectedSince()).isEqualTo(T0);
        Decision tooSoon = LIFECYCLE.decide(state, new LifecycleInput.TokenRefused(state.version(), T0.plusSeconds(5), false));
        assertThat(tooSoon.state().status()).isEqualTo(ConnectionStatus.CONNECTED);
        assertThat(tooSoon.askAgainIn()).isEqualTo(Duration.ofSeconds(25));
        List<LifecycleEvent> events = apply(new LifecycleInput.TokenRefused(state.version(), T0.plus(DELAY), false));
        assertThat(state.status()).isEqualTo(ConnectionStatus.DISCONNECTED);
        assertThat(events).singleElement().isEqualTo(new Disconnected(List.of("e1", "e2"), false));
    }

    @Test
    void aWorkingAnswerClearsTheSuspicionAndFinchsOwnWebhookConfirmsAtOnce() {
        apply(new LifecycleInput.TokenRefused(state.version(), T0, false));
        apply(finchShows(ConnectionStatus.CONNECTED));
        assertThat(state.disconnectSuspectedSince()).isNull();
        assertThat(apply(new LifecycleInput.TokenRefused(state.version(), T0.plus(DELAY), false))).isEmpty();
        assertThat(apply(new LifecycleInput.TokenRefused(state.version(), T0.plus(DELAY).plusSeconds(1), true)))
                .singleElement().isInstanceOf(Disconnected.class);
    }

    @Test
    void finchUnavailableChangesNothing() {
        Decision decision = LIFECYCLE.decide(state, new LifecycleInput.Unavailable());
        assertThat(decision.kind()).isEqualTo(Decision.Kind.UNCHANGED);
        assertThat(decision.state()).isEqualTo(state);
    }

    @Test
    void removingEveryEntityOneByOneIsOneConnectionLevelDisconnect() {
        assertThat(apply(new LifecycleInput.DisconnectOutcome(List.of("e1"), true)))
                .containsExactly(new Disconnected(List.of("e1"), true));
        assertThat(state.status()).isEqualTo(ConnectionStatus.CONNECTED);
        assertThat(apply(new LifecycleInput.DisconnectOutcome(List.of("e2"), true)))
                .containsExactly(new Disconnected(List.of("e2"), true));
        assertThat(state.status()).isEqualTo(ConnectionStatus.DISCONNECTED);
        assertThat(apply(finchShows(ConnectionStatus.DISCONNECTED))).isEmpty();
    }

    @Test
    void anOperatorDisconnectWhoseAnswerWasLostIsSettledByTheNextObservationOnce() {
        apply(new LifecycleInput.DisconnectIntent(List.of("e2")));
        List<LifecycleEvent> events = apply(new LifecycleInput.Observed(state.version(), ConnectionStatus.CONNECTED,
                Map.of("e1", ConnectionStatus.CONNECTED, "e2", ConnectionStatus.DISCONNECTED)));
        assertThat(events).containsExactly(new Disconnected(List.of("e2"), true));
        assertThat(state.disconnectRequestedEntities()).isEmpty();
    }

    @Test
    void aFailedOperatorDisconnectLeavesALaterDisconnectToFinch() {
        apply(new LifecycleInput.DisconnectIntent(null));
        apply(new LifecycleInput.DisconnectOutcome(null, false));
        assertThat(apply(finchShows(ConnectionStatus.DISCONNECTED)))
                .containsExactly(new Disconnected(List.of("e1", "e2"), false));
    }

    @Test
    void aReauthNeededNamesTheEntitiesThatNeedTheEmployerByTheirIds() {
        List<LifecycleEvent> events = apply(new LifecycleInput.Observed(state.version(), ConnectionStatus.CONNECTED,
                Map.of("e2", ConnectionStatus.REAUTH, "e1", ConnectionStatus.CONNECTED)));
        assertThat(events).containsExactly(new ReauthNeeded(false, List.of("e2")));
        assertThat(state.entities()).containsExactly(new EntityStatuses.Entity("e1", ConnectionStatus.CONNECTED),
                new EntityStatuses.Entity("e2", ConnectionStatus.REAUTH));
    }

    /** Shrunk by LifecyclePropertiesTest: an API session's episode, joined by Finch, went unannounced. */
    @Test
    void aSessionAskedForThroughTheApiOpensAnAnnouncedEpisodeThatFinchJoins() {
        assertThat(apply(new LifecycleInput.SessionCreated(state.episode() + 1)))
                .containsExactly(new ReauthNeeded(true, List.of("e1", "e2")));
        assertThat(apply(finchShows(ConnectionStatus.REAUTH))).isEmpty();
        assertThat(state.episode()).isEqualTo(1);
        assertThat(apply(finchShows(ConnectionStatus.CONNECTED))).containsExactly(new Reauthenticated());
    }

    /** Shrunk by LifecyclePropertiesTest: a removed entity granted again was announced disconnected twice. */
    @Test
    void aRemovedEntityStaysRemovedWhateverFinchShowsAfter() {
        apply(new LifecycleInput.DisconnectOutcome(List.of("e1"), true));
        apply(new LifecycleInput.EmployerCameBack(List.of("e1", "e2")));
        assertThat(state.attached()).containsOnlyKeys("e2");
        assertThat(apply(new LifecycleInput.Observed(state.version(), ConnectionStatus.CONNECTED,
                Map.of("e1", ConnectionStatus.DISCONNECTED, "e2", ConnectionStatus.CONNECTED)))).isEmpty();
    }

    @Test
    void anEntityFinchShowsAnewAppears() {
        apply(new LifecycleInput.Observed(state.version(), ConnectionStatus.CONNECTED, Map.of("e1", ConnectionStatus.CONNECTED,
                "e2", ConnectionStatus.CONNECTED, "e3", ConnectionStatus.PENDING)));
        assertThat(state.attached()).containsOnlyKeys("e1", "e2", "e3");
        assertThat(state.status()).isEqualTo(ConnectionStatus.PENDING);
    }
}
