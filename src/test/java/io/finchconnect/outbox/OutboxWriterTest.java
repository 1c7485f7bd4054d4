package io.finchconnect.outbox;

import static io.finchconnect.testing.Transactions.inTransaction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.Transactions;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;

@QuarkusTest
class OutboxWriterTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @Inject
    Outbox outbox;

    @Test
    void committedEventIsPublishedWithCloudEventsHeaders() throws Exception {
        String key = "conn-" + UUID.randomUUID();
        UUID eventId = inTransaction(() -> insertCustomer("cust-" + key, "Acme")
                .chain(() -> outbox.write(key, "finch.connection.test", Map.of("connection_id", key, "n", 1),
                        Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))));

        Event event = topic.eventsWithKey(WAIT, key, 1).get(0);

        assertThat(event.headers()).containsEntry("ce_specversion", "1.0")
                .containsEntry("ce_id", eventId.toString())
                .containsEntry("ce_source", "/finch-connect-service")
                .containsEntry("ce_type", "finch.connection.test")
                .containsEntry("ce_subject", key)
                .containsEntry("content-type", "application/json")
                .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(OffsetDateTime.parse(event.headers().get("ce_time"))).isBefore(OffsetDateTime.now().plusSeconds(1));
        JsonNode data = new ObjectMapper().readTree(event.value());
        assertThat(data.get("connection_id").asText()).isEqualTo(key);
        assertThat(data.get("n").asInt()).isEqualTo(1);
        assertThat(Sql.single("SELECT sent_at IS NOT NULL FROM outbox WHERE event_id = ?::uuid", eventId.toString()))
                .isEqualTo(true);
    }

    @Test
    void rolledBackTransactionPublishesNothing() {
        String key = "conn-" + UUID.randomUUID();
        assertThatThrownBy(() -> inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", "rolled back"))
                .chain(() -> Uni.createFrom().failure(new IllegalStateException("the state change failed")))))
                .hasMessageContaining("the state change failed");
        inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", "committed")));

        List<Event> events = topic.eventsWithKey(WAIT, key, 1);

        assertThat(events).hasSize(1);
        assertThat(events.get(0).value()).contains("committed");
        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE message_key = ?", key)).isEqualTo(1);
    }

    @Test
    void failureInTheDomainWriteLeavesNoOutboxRow() {
        String customerId = "cust-" + UUID.randomUUID();
        inTransaction(() -> insertCustomer(customerId, "First"));
        String key = "conn-" + UUID.randomUUID();

        // The outbox row is written first; the duplicate customer then fails, inside the same transaction.
        assertThatThrownBy(() -> inTransaction(() -> outbox.write(key, "finch.connection.test", Map.of("n", 1))
                .chain(() -> insertCustomer(customerId, "Duplicate"))));

        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE message_key = ?", key)).isZero();
        assertThat(Sql.single("SELECT customer_name FROM customers WHERE customer_id = ?", customerId)).isEqualTo("First");
    }

    @Test
    void failureAfterTheOutboxInsertLeavesNeitherRow() {
        String customerId = "cust-" + UUID.randomUUID();
        String key = "conn-" + UUID.randomUUID();

        assertThatThrownBy(() -> inTransaction(() -> insertCustomer(customerId, "Acme")
                .chain(() -> outbox.write(key, "finch.connection.test", Map.of("n", 1)))
                .chain(() -> Uni.createFrom().failure(new IllegalStateException("crash after the insert")))));

        assertThat(Sql.count("SELECT count(*) FROM outbox WHERE message_key = ?", key)).isZero();
        assertThat(Sql.count("SELECT count(*) FROM customers WHERE customer_id = ?", customerId)).isZero();
    }

    @Test
    void writingOutsideATransactionIsRefused() {
        assertThatThrownBy(() -> Transactions.run(() -> io.quarkus.hibernate.reactive.panache.Panache.withSession(
                () -> outbox.write("conn-x", "finch.connection.test", Map.of()))).join())
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .rootCause().hasMessageContaining("inside the transaction");
    }

    /** A domain write in the transaction the outbox row joins: a customer row, refused when it exists already. */
    private static Uni<Integer> insertCustomer(String customerId, String customerName) {
        return Panache.getSession().chain(session -> session
                .createNativeQuery("INSERT INTO customers (customer_id, customer_name) VALUES (:id, :name)")
                .setParameter("id", customerId)
                .setParameter("name", customerName)
                .executeUpdate());
    }
}
