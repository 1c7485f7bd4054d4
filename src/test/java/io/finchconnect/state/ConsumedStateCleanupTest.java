package io.finchconnect.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Sql;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class ConsumedStateCleanupTest {

    @Test
    void expiredUsedStatesAreDeletedAndUnexpiredOnesKept() {
        String expired = "st-" + UUID.randomUUID();
        String valid = "st-" + UUID.randomUUID();
        Sql.update("INSERT INTO consumed_states (state_id, consumed_at, expires_at) VALUES (?, now() - interval '2 days', now() - interval '1 day')", expired);
        Sql.update("INSERT INTO consumed_states (state_id, expires_at) VALUES (?, now() + interval '1 day')", valid);

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                Sql.count("SELECT count(*) FROM consumed_states WHERE state_id = ?", expired) == 0);
        assertThat(Sql.count("SELECT count(*) FROM consumed_states WHERE state_id = ?", valid)).isEqualTo(1);
    }
}
