package io.finchconnect.lifecycle;

import static io.finchconnect.lifecycle.ConnectionStatus.CONNECTED;
import static io.finchconnect.lifecycle.ConnectionStatus.DISCONNECTED;
import static io.finchconnect.lifecycle.ConnectionStatus.ERROR_NO_ACCOUNT_SETUP;
import static io.finchconnect.lifecycle.ConnectionStatus.ERROR_PERMISSIONS;
import static io.finchconnect.lifecycle.ConnectionStatus.PROCESSING;
import static io.finchconnect.lifecycle.ConnectionStatus.REAUTH;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.finchconnect.lifecycle.EntityStatuses.Entity;

class EntityStatusesTest {

    @Test
    void withoutEntitiesTheConnectionLevelStatusStands() {
        assertThat(EntityStatuses.overall(REAUTH, List.of())).isEqualTo(REAUTH);
        assertThat(EntityStatuses.overall(CONNECTED, List.of())).isEqualTo(CONNECTED);
    }

    @Test
    void theWorstAttachedEntityDecides() {
        assertThat(EntityStatuses.overall(CONNECTED, List.of(new Entity("a", CONNECTED), new Entity("b", REAUTH)))).isEqualTo(REAUTH);
        assertThat(EntityStatuses.overall(CONNECTED, List.of(new Entity("a", ERROR_NO_ACCOUNT_SETUP),
                new Entity("b", ERROR_PERMISSIONS)))).isEqualTo(ERROR_PERMISSIONS);
        assertThat(EntityStatuses.overall(CONNECTED, List.of(new Entity("a", REAUTH), new Entity("b", ERROR_PERMISSIONS))))
                .isEqualTo(REAUTH);
        assertThat(EntityStatuses.overall(CONNECTED, List.of(new Entity("a", PROCESSING), new Entity("b", CONNECTED))))
                .isEqualTo(PROCESSING);
        assertThat(EntityStatuses.overall(REAUTH, List.of(new Entity("a", CONNECTED)))).as("the connection's own status counts")
                .isEqualTo(REAUTH);
    }

    @Test
    void disconnectedEntitiesAreSetAsideAndAllOfThemDisconnectTheConnection() {
        assertThat(EntityStatuses.overall(CONNECTED, List.of(new Entity("a", DISCONNECTED), new Entity("b", CONNECTED))))
                .isEqualTo(CONNECTED);
        assertThat(EntityStatuses.overall(CONNECTED, List.of(new Entity("a", DISCONNECTED), new Entity("b", DISCONNECTED))))
                .isEqualTo(DISCONNECTED);
        assertThat(EntityStatuses.overall(DISCONNECTED, List.of(new Entity("a", CONNECTED)))).isEqualTo(DISCONNECTED);
    }

    @Test
    void theEventNamesTheEntitiesThatNeedTheEmployerOrAllWhenNoneDoes() {
        assertThat(withEntities(Map.of("a", CONNECTED, "b", REAUTH, "c", ERROR_PERMISSIONS)).concernedEntities())
                .containsExactlyInAnyOrder("b", "c");
        assertThat(withEntities(Map.of("a", CONNECTED, "b", CONNECTED)).concernedEntities())
                .containsExactlyInAnyOrder("a", "b");
    }

    private static LifecycleState withEntities(Map<String, ConnectionStatus> attached) {
        return new LifecycleState(REAUTH, attached, List.of(), 1, true, false, false, java.util.Set.of(), null, 0, null, false);
    }
}
