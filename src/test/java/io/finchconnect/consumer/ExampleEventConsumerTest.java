package io.finchconnect.consumer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.consumer.ExampleEventConsumer.ConnectionEvent;
import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * The example consumer of docs/consuming-events.md against the real broker: a connection's whole life, driven
 * through the service's API and the Finch simulator, then published a second time by the relay with the same
 * ce_ids; the consumer handles each event once, in the order the service committed them.
 */
@QuarkusTest
class ExampleEventConsumerTest {

    private static final String TOPIC = "finch.connection-events";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @Test
    void handlesEachEventOnceInTheOrderTheServiceCommittedThem() throws Exception {
        List<ConnectionEvent> handled = Collections.synchronizedList(new ArrayList<>());
        ExampleEventConsumer consumer = new ExampleEventConsumer(TestStack.bootstrapServers(), "example-" + UUID.randomUUID(),
                TOPIC, new ExampleEventConsumer.InMemoryHandledEvents(), handled::add);
        Thread polling = new Thread(consumer::run, "example-event-consumer");
        polling.start();
        try (EventTopic topic = new EventTopic(TOPIC)) {
            long duplicatesBefore = consumer.duplicatesSkipped();
            String customerId = "consumer-" + UUID.randomUUID();
            String connectionId = connectThroughTheService(customerId);
            awaitHandled(handled, connectionId, 1);

            // Finch says the employer must reauthenticate: the transition, then the follow-up with the link.
            Finch.setStatus(connectionId, "reauth");
            awaitHandled(handled, connectionId, 3);
            // Redelivered after later events of the connection, and before the next ones.
            publishAgain(topic, connectionId, 3, 6);

            Finch.setStatus(connectionId, "connected");
            awaitHandled(handled, connectionId, 4);
            given().auth().oauth2(TestStack.get().jwt().token("connections:write"))
                    .post("/v1/connections/" + connectionId + "/disconnect").then().statusCode(200);
            awaitHandled(handled, connectionId, 5);
            publishAgain(topic, connectionId, 5, 13);

            Awaitility.await("the consumer recognises the 8 redeliveries by their ce_id").atMost(WAIT)
                    .until(() -> consumer.duplicatesSkipped() - duplicatesBefore >= 8);
            List<ConnectionEvent> firstDeliveries = eventsOf(handled, connectionId);
            assertThat(firstDeliveries).extracting(ConnectionEvent::id).as("each event handled once").doesNotHaveDuplicates();
            assertThat(firstDeliveries).extracting(ConnectionEvent::type).containsExactly(
                    "finch.connection.established",
                    "finch.connection.reauth_needed",
                    "finch.connection.reauth_needed",
                    "finch.connection.reauthenticated",
                    "finch.connection.disconnected");
            assertThat(firstDeliveries).extracting(ConnectionEvent::id).as("commit order: the outbox's order per key")
                    .containsExactlyElementsOf(Sql.column("SELECT event_id::text FROM outbox WHERE message_key = ? ORDER BY id",
                            connectionId).stream().map(String::valueOf).toList());
            assertThat(firstDeliveries.get(1).data().has("reauth_session")).isFalse();
            assertThat(firstDeliveries.get(2).data().at("/reauth_session/connect_url").asText()).isNotBlank();
            assertThat(firstDeliveries.get(4).data().get("by").asText()).isEqualTo("operator");
            assertThat(firstDeliveries).allMatch(e -> connectionId.equals(e.data().get("connection_id").asText())
                    && customerId.equals(e.data().get("customer_id").asText()));
        } finally {
            consumer.close();
            polling.join(Duration.ofSeconds(30).toMillis());
        }
    }

    /** The customer's session through this service, authorized at Finch, the code exchanged in the embedded flow. */
    private static String connectThroughTheService(String customerId) {
        String sessionId = given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Acme " + customerId, "products", "company directory"))
                .post("/v1/connect/sessions").then().statusCode(201).extract().path("session_id");
        String code = Finch.completeSession(sessionId).code();
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("code", code, "customer_id", customerId)).post("/v1/connect/authorizations")
                .then().statusCode(201).extract().path("connection_id");
    }

    /**
     * What a relay that crashed between Kafka's acknowledgement and marking its rows sent leaves behind: the
     * connection's rows are published again, with the same ce_ids, after they were delivered once.
     */
    private static void publishAgain(EventTopic topic, String connectionId, int rows, int deliveriesAfter) {
        assertThat(Sql.update("UPDATE outbox SET sent_at = NULL WHERE message_key = ?", connectionId)).isEqualTo(rows);
        assertThat(topic.awaitEvents(WAIT, events -> deliveriesOf(events, connectionId) >= deliveriesAfter).stream()
                .filter(e -> connectionId.equals(e.key())).map(EventTopic.Event::ceId).distinct())
                .as("the connection's events on the topic again, under their ce_ids").hasSize(rows);
    }

    private static List<ConnectionEvent> awaitHandled(List<ConnectionEvent> handled, String connectionId, int count) {
        Awaitility.await().atMost(WAIT).until(() -> eventsOf(handled, connectionId).size() >= count);
        return eventsOf(handled, connectionId);
    }

    private static List<ConnectionEvent> eventsOf(List<ConnectionEvent> handled, String connectionId) {
        synchronized (handled) {
            return handled.stream().filter(e -> connectionId.equals(e.connectionId())).toList();
        }
    }

    private static long deliveriesOf(List<EventTopic.Event> events, String connectionId) {
        return events.stream().filter(e -> connectionId.equals(e.key())).count();
    }
}
