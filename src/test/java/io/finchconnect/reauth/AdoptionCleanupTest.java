package io.finchconnect.reauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Sql;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class AdoptionCleanupTest {

    @Test
    void expiredAdoptionSessionsAreDeletedAndUnexpiredOnesKept() {
        String customer = "adopting-" + UUID.randomUUID();
        Sql.update("INSERT INTO customers (customer_id, customer_name) VALUES (?, 'Adopting Inc')", customer);
        String expired = keep(customer, "now() - interval '1 minute'");
        String valid = keep(customer, "now() + interval '1 day'");

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                Sql.count("SELECT count(*) FROM connection_adoptions WHERE session_id = ?", expired) == 0);
        assertThat(Sql.count("SELECT count(*) FROM connection_adoptions WHERE session_id = ?", valid)).isEqualTo(1);
    }

    private static String keep(String customer, String expiresAt) {
        String sessionId = "sess-" + UUID.randomUUID();
        Sql.update("""
                INSERT INTO connection_adoptions (session_id, connection_id, customer_id, connect_url, expires_at)
                VALUES (?, ?, ?, 'https://connect.example/authorize', %s)""".formatted(expiresAt),
                sessionId, "conn-" + UUID.randomUUID(), customer);
        return sessionId;
    }
}
