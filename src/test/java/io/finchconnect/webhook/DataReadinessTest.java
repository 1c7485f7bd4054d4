package io.finchconnect.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/**
 * When Finch has data for a connection, and when it silently stopped syncing: Finch's data-sync webhooks publish
 * {@code finch.connection.data_synced} (once however often delivered; other job webhooks nothing), and a last
 * successful sync older than {@code CONNECTION_STALE_AFTER} (8 days) publishes {@code finch.connection.stale} once
 * per stale spell and lists the connection under {@code ?stale=true} until a newer sync ends the spell.
 */
@QuarkusTest
class DataReadinessTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @Test
    void aDataSyncWebhookDeliveredThreeTimesIsAnnouncedOnceAndOtherJobsNotAtAll() {
        String connectionId = SimulatedConnections.connected().connectionId();
        JsonPath sent = Finch.finishJob(connectionId, "initial_data_sync_payroll", "complete");
        String eventId = sent.getString("event_id");
        Finch.redeliver(eventId);
        Finch.redeliver(eventId);
        Finch.finishJob(connectionId, "benefit_create", "complete");

        List<Event> synced = topic.eventsWithKey(WAIT, connectionId, 1);
        assertThat(synced).extracting(Event::type).containsExactly("finch.connection.data_synced");
        JsonPath data = JsonPath.from(synced.get(0).value());
        assertThat(data.getString("kind")).isEqualTo("job.initial_data_sync_payroll.succeeded");
        assertThat(data.getString("job_id")).isEqualTo(sent.getString("job.job_id"));
        assertThat(data.getString("job_url")).endsWith("/jobs/automated/" + sent.getString("job.job_id"));
        assertThat(data.getString("synced_at")).isNotNull();
        assertThat(data.getString("connection_status")).isEqualTo("connected");
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(event -> connectionId.equals(event.key()))
                .map(Event::type)).as("one event for three deliveries, none for the benefits job")
                .containsExactly("finch.connection.data_synced");
    }

    @Test
    void aStaleSpellIsAnnouncedOnceListedAndEndedByANewerSync() {
        String connectionId = SimulatedConnections.connected().connectionId();
        Finch.setLastSuccessfulSync(connectionId, Instant.now().minus(Duration.ofDays(10)));

        awaitSettled(report(connectionId));
        List<Event> stale = topic.eventsWithKey(WAIT, connectionId, 1);
        assertThat(stale).extracting(Event::type).containsExactly("finch.connection.stale");
        assertThat(JsonPath.from(stale.get(0).value()).getString("last_successful_sync")).isNotNull();
        listed(true).body("connections.connection_id", hasItem(connectionId));

        awaitSettled(report(connectionId));
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(event -> connectionId.equals(event.key())))
                .as("once per spell").extracting(Event::type).containsExactly("finch.connection.stale");

        Finch.finishJob(connectionId, "data_sync_all", "complete");
        topic.eventsWithKey(WAIT, connectionId, 2);
        awaitSettled(report(connectionId));
        assertThat(Sql.single("SELECT stale_since FROM connections WHERE connection_id = ?", connectionId)).isNull();
        listed(true).body("connections.connection_id", not(hasItem(connectionId)));
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(event -> connectionId.equals(event.key()))
                .map(Event::type)).as("the spell ends without an event")
                .containsExactly("finch.connection.stale", "finch.connection.data_synced");
    }

    @Test
    void staleMustBeTrueOrFalse() {
        given().auth().oauth2(TestStack.get().jwt().token("connections:read")).queryParam("stale", "yes")
                .get("/v1/connections").then().statusCode(400).contentType("application/problem+json");
    }

    private static String report(String connectionId) {
        return given().auth().oauth2(TestStack.get().jwt().token("connections:report"))
                .post("/v1/connections/" + connectionId + "/reauth-required").then().statusCode(200)
                .extract().path("report_id");
    }

    private static void awaitSettled(String eventId) {
        Awaitility.await("the hint settled").atMost(WAIT).until(() -> "done".equals(
                Sql.single("SELECT state FROM incoming_events WHERE event_id = ?", eventId)));
    }

    private static io.restassured.response.ValidatableResponse listed(boolean stale) {
        return given().auth().oauth2(TestStack.get().jwt().token("connections:read")).queryParam("stale", stale)
                .queryParam("limit", 500).get("/v1/connections").then().statusCode(200);
    }
}
