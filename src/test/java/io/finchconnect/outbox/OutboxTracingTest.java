package io.finchconnect.outbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.PatientFinchProfile;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * With tracing on ({@link PatientFinchProfile} turns it on), the trace of the HTTP request that changed a
 * connection travels through the outbox row into the event's traceparent header.
 */
@QuarkusTest
@TestProfile(PatientFinchProfile.class)
class OutboxTracingTest {

    @Test
    void theRequestsTraceReachesTheEventsTraceparentHeader() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Finch.setStatusUndelivered(connection.connectionId(), "reauth");

        given().header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                .auth().oauth2(TestStack.get().jwt().token("connections:report"))
                .post("/v1/connections/" + connection.connectionId() + "/reauth-required").then().statusCode(200);

        try (EventTopic topic = new EventTopic("finch.connection-events")) {
            Event event = topic.eventsWithKey(Duration.ofSeconds(30), connection.connectionId(), 1).get(0);
            assertThat(event.headers().get("traceparent")).startsWith("00-" + traceId + "-").endsWith("-01");
        }
    }
}
