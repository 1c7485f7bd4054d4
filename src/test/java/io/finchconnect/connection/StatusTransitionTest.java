package io.finchconnect.connection;

import static io.finchconnect.connection.ConnectionStatus.CONNECTED;
import static io.finchconnect.connection.ConnectionStatus.DISCONNECTED;
import static io.finchconnect.connection.ConnectionStatus.ERROR_PERMISSIONS;
import static io.finchconnect.connection.ConnectionStatus.REAUTH;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;

import org.junit.jupiter.api.Test;

class StatusTransitionTest {

    private static final OffsetDateTime T = OffsetDateTime.parse("2026-11-29T06:00:00Z");

    @Test
    void enteringReauthAsksForReauthentication() {
        StatusTransition transition = StatusTransition.decide(CONNECTED, T, REAUTH, T.plusSeconds(1));
        assertThat(transition.kind()).isEqualTo(StatusTransition.Kind.APPLIED);
        assertThat(transition.eventType()).isEqualTo("finch.connection.reauth_needed");
        assertThat(transition.entersReauth()).isTrue();
    }

    @Test
    void connectedAfterReauthIsAReauthentication() {
        assertThat(StatusTransition.decide(REAUTH, T, CONNECTED, T.plusSeconds(1)).eventType())
                .isEqualTo("finch.connection.reauthenticated");
    }

    @Test
    void disconnectionIsPublishedFromAnyStatus() {
        assertThat(StatusTransition.decide(REAUTH, T, DISCONNECTED, T).eventType()).isEqualTo("finch.connection.disconnected");
        assertThat(StatusTransition.decide(CONNECTED, T, DISCONNECTED, T).eventType()).isEqualTo("finch.connection.disconnected");
    }

    @Test
    void otherChangesAreAppliedWithoutAnEvent() {
        StatusTransition transition = StatusTransition.decide(CONNECTED, T, ERROR_PERMISSIONS, T.plusSeconds(1));
        assertThat(transition.kind()).isEqualTo(StatusTransition.Kind.APPLIED);
        assertThat(transition.eventType()).isNull();
    }

    @Test
    void theSameStatusChangesNothing() {
        assertThat(StatusTransition.decide(REAUTH, T, REAUTH, T.plusSeconds(5)).kind()).isEqualTo(StatusTransition.Kind.UNCHANGED);
    }

    @Test
    void anOlderReportNeverUndoesANewerOne() {
        StatusTransition transition = StatusTransition.decide(REAUTH, T, CONNECTED, T.minusSeconds(1));
        assertThat(transition.kind()).isEqualTo(StatusTransition.Kind.STALE);
        assertThat(transition.eventType()).isNull();
    }
}
