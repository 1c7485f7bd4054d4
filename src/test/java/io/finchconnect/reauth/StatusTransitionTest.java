package io.finchconnect.reauth;

import io.finchconnect.connection.ConnectionStatus;

import static io.finchconnect.connection.ConnectionStatus.CONNECTED;
import static io.finchconnect.connection.ConnectionStatus.DISCONNECTED;
import static io.finchconnect.connection.ConnectionStatus.ERROR_NO_ACCOUNT_SETUP;
import static io.finchconnect.connection.ConnectionStatus.ERROR_PERMISSIONS;
import static io.finchconnect.connection.ConnectionStatus.PENDING;
import static io.finchconnect.connection.ConnectionStatus.PROCESSING;
import static io.finchconnect.connection.ConnectionStatus.REAUTH;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class StatusTransitionTest {

    @Test
    void enteringReauthAsksForReauthentication() {
        StatusTransition transition = StatusTransition.decide(CONNECTED, REAUTH, false);
        assertThat(transition.kind()).isEqualTo(StatusTransition.Kind.APPLIED);
        assertThat(transition.eventType()).isEqualTo("finch.connection.reauth_needed");
        assertThat(transition.entersReauth()).isTrue();
    }

    @Test
    void connectedAfterReauthIsAReauthentication() {
        assertThat(StatusTransition.decide(REAUTH, CONNECTED, false).eventType())
                .isEqualTo("finch.connection.reauthenticated");
    }

    @Test
    void disconnectionIsPublishedFromAnyStatus() {
        assertThat(StatusTransition.decide(REAUTH, DISCONNECTED, false).eventType()).isEqualTo("finch.connection.disconnected");
        assertThat(StatusTransition.decide(CONNECTED, DISCONNECTED, false).eventType()).isEqualTo("finch.connection.disconnected");
    }

    @Test
    void otherChangesAreAppliedWithoutAnEvent() {
        StatusTransition transition = StatusTransition.decide(CONNECTED, PROCESSING, false);
        assertThat(transition.kind()).isEqualTo(StatusTransition.Kind.APPLIED);
        assertThat(transition.eventType()).isNull();
    }

    @Test
    void everyStatusThatNeedsTheEmployerStartsAReauthEpisode() {
        for (ConnectionStatus status : List.of(REAUTH, ERROR_PERMISSIONS, ERROR_NO_ACCOUNT_SETUP)) {
            StatusTransition transition = StatusTransition.decide(CONNECTED, status, false);
            assertThat(transition.eventType()).isEqualTo("finch.connection.reauth_needed");
            assertThat(transition.entersReauth()).isTrue();
            StatusTransition back = StatusTransition.decide(status, CONNECTED, false);
            assertThat(back.eventType()).isEqualTo("finch.connection.reauthenticated");
            assertThat(back.endsReauth()).isTrue();
        }
    }

    @Test
    void movingAmongTheStatusesThatNeedTheEmployerKeepsTheEpisode() {
        StatusTransition transition = StatusTransition.decide(REAUTH, ERROR_PERMISSIONS, false);
        assertThat(transition.kind()).isEqualTo(StatusTransition.Kind.APPLIED);
        assertThat(transition.eventType()).isNull();
        assertThat(transition.entersReauth()).isFalse();
    }

    /** Finch shows pending while the employer works in Connect: the episode stays open and closes at connected. */
    @Test
    void anEpisodeClosedByWayOfPendingOrProcessingIsAReauthenticationOnce() {
        for (ConnectionStatus between : List.of(PENDING, PROCESSING)) {
            StatusTransition intoConnect = StatusTransition.decide(REAUTH, between, true);
            assertThat(intoConnect.kind()).isEqualTo(StatusTransition.Kind.APPLIED);
            assertThat(intoConnect.eventType()).isNull();
            assertThat(StatusTransition.decide(between, REAUTH, true).eventType()).as("back to reauth, same episode").isNull();
            StatusTransition back = StatusTransition.decide(between, CONNECTED, true);
            assertThat(back.eventType()).isEqualTo("finch.connection.reauthenticated");
            assertThat(back.endsReauth()).isTrue();
        }
    }

    @Test
    void pendingToConnectedOutsideAnEpisodeAnnouncesNothing() {
        assertThat(StatusTransition.decide(PENDING, CONNECTED, false).eventType()).isNull();
        assertThat(StatusTransition.decide(PENDING, REAUTH, false).eventType()).isEqualTo("finch.connection.reauth_needed");
    }

    @Test
    void disconnectedIsFinal() {
        for (ConnectionStatus status : ConnectionStatus.values()) {
            assertThat(StatusTransition.decide(DISCONNECTED, status, false).kind()).isEqualTo(StatusTransition.Kind.UNCHANGED);
        }
    }

    @Test
    void theSameStatusChangesNothing() {
        assertThat(StatusTransition.decide(REAUTH, REAUTH, false).kind()).isEqualTo(StatusTransition.Kind.UNCHANGED);
    }
}
