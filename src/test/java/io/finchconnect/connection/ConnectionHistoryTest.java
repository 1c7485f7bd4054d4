package io.finchconnect.connection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/**
 * A connection's history: every event it published, in the order they committed, with the ids the topic carries,
 * paged by a cursor that later events do not disturb.
 */
@QuarkusTest
class ConnectionHistoryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @Test
    void theHistoryIsTheEventsInCommitOrderPagedStablyWhileMoreArrive() {
        String connectionId = SimulatedConnections.connected().connectionId();
        Finch.setStatus(connectionId, "reauth");
        topic.eventsWithKey(WAIT, connectionId, 2);
        Finch.setStatus(connectionId, "connected");
        topic.eventsWithKey(WAIT, connectionId, 3);

        List<String> walked = new ArrayList<>();
        JsonPath page = history(connectionId, 1, null);
        walked.addAll(page.getList("events.event_id"));
        // New events while the walk is under way: they come after, and nothing already seen comes again.
        Finch.setStatus(connectionId, "error_permissions");
        List<Event> published = topic.eventsWithKey(WAIT, connectionId, 5);
        while (page.getString("next") != null) {
            page = history(connectionId, 1, page.getString("next"));
            walked.addAll(page.getList("events.event_id"));
        }

        assertThat(walked).as("the events as the topic carried them, in order")
                .containsExactlyElementsOf(published.stream().map(Event::ceId).toList());
        JsonPath all = history(connectionId, 50, null);
        assertThat(all.getList("events.type")).containsExactly("finch.connection.reauth_needed",
                "finch.connection.reauth_needed", "finch.connection.reauthenticated", "finch.connection.reauth_needed",
                "finch.connection.reauth_needed");
        assertThat(all.getList("events.connection_status")).containsExactly("reauth", "reauth", "connected",
                "error_permissions", "error_permissions");
        assertThat(all.getString("events[0].data.connection_id")).isEqualTo(connectionId);
        assertThat(all.getString("next")).isNull();
    }

    @Test
    void unknownConnectionsBadLimitsAndCursorsAreProblems() {
        given().auth().oauth2(TestStack.get().jwt().token("connections:read")).get("/v1/connections/nobody/history")
                .then().statusCode(404).contentType("application/problem+json");
        String connectionId = SimulatedConnections.connected().connectionId();
        for (String[] query : new String[][] { { "limit", "0" }, { "limit", "501" }, { "after", "x" }, { "after", "-1" } }) {
            given().auth().oauth2(TestStack.get().jwt().token("connections:read")).queryParam(query[0], query[1])
                    .get("/v1/connections/" + connectionId + "/history").then().statusCode(400)
                    .contentType("application/problem+json");
        }
        given().get("/v1/connections/" + connectionId + "/history").then().statusCode(401);
    }

    private static JsonPath history(String connectionId, int limit, String after) {
        var request = given().auth().oauth2(TestStack.get().jwt().token("connections:read")).queryParam("limit", limit);
        if (after != null) {
            request = request.queryParam("after", after);
        }
        return request.get("/v1/connections/" + connectionId + "/history").then().statusCode(200).extract().jsonPath();
    }
}
