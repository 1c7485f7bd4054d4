package io.finchconnect.connection;

import static io.finchconnect.connection.ConnectionStatus.CONNECTED;
import static io.finchconnect.connection.ConnectionStatus.DISCONNECTED;
import static io.finchconnect.connection.ConnectionStatus.ERROR_NO_ACCOUNT_SETUP;
import static io.finchconnect.connection.ConnectionStatus.ERROR_PERMISSIONS;
import static io.finchconnect.connection.ConnectionStatus.PROCESSING;
import static io.finchconnect.connection.ConnectionStatus.REAUTH;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.finchconnect.connection.EntityStatuses.Entity;

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
        String[] ids = { "a", "b", "c" };
        assertThat(EntityStatuses.concerned(ids, new String[] { "connected", "reauth", "error_permissions" }))
                .containsExactly("b", "c");
        assertThat(EntityStatuses.concerned(ids, new String[] { "connected", "connected", "connected" }))
                .containsExactly("a", "b", "c");
        assertThat(EntityStatuses.concerned(ids, new String[0])).containsExactly("a", "b", "c");
    }

    @Test
    void statusesAreStoredInTheOrderOfTheEntityIds() {
        assertThat(EntityStatuses.alignedWith(new String[] { "a", "b", "c" },
                List.of(new Entity("c", REAUTH), new Entity("a", CONNECTED))))
                .containsExactly("connected", null, "reauth");
    }
}
