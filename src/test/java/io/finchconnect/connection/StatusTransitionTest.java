package io.finchconnect.connection;

import static io.finchconnect.connection.ConnectionStatus.CONNECTED;
import static io.finchconnect.connection.ConnectionStatus.DISCONNECTED;
import static io.finchconnect.connection.ConnectionStatus.ERROR_PERMISSIONS;
import static io.finchconnect.connection.ConnectionStatus.REAUTH;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusTransitionTest {

    @Test
    void enteringReauthAsksForReauthentication() {
        StatusTransition transition = StatusTransition.decide(CONNECTED, REAUTH);
        assertThat(transition.kind()).isEqualTo(StatusTransition.Kind.APPLIED);
        assertThat(transition.eventType()).isEqualTo("finch.connection.reauth_needed");
        assertThat(transition.entersReauth()).isTrue();
    }

    @Test
    void connectedAfterReauthIsAReauthentication() {
        assertThat(StatusTransition.decide(REAUTH, CONNECTED).eventType())
                .isEqualTo("finch.connection.reauthenticated");
    }

    @Test
    void disconnectionIsPublishedFromAnyStatus() {
        assertThat(StatusTransition.decide(REAUTH, DISCONNECTED).eventType()).isEqualTo("finch.connection.disconnected");
        assertThat(StatusTransition.decide(CONNECTED, DISCONNECTED).eventType()).isEqualTo("finch.connection.disconnected");
    }

    @Test
    void otherChangesAreAppliedWithoutAnEvent() {
        StatusTransition transition = StatusTransition.decide(CONNECTED, ERROR_PERMISSIONS);
        assertThat(transition.kind()).isEqualTo(StatusTransition.Kind.APPLIED);
        assertThat(transition.eventType()).isNull();
    }

    @Test
    void theSameStatusChangesNothing() {
        assertThat(StatusTransition.decide(REAUTH, REAUTH).kind()).isEqualTo(StatusTransition.Kind.UNCHANGED);
    }
}
