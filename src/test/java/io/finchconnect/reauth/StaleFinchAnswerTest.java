package io.finchconnect.reauth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.PatientFinchProfile;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;

/**
 * An answer of Finch's is applied only to the connection it was asked about. The inbox asks Finch about a
 * connection, the simulator holds the answer ({@code reauth}, as Finch saw it then), the employer completes
 * reauthentication and the callback commits; the answer, released, is older than that change and is not applied:
 * Finch is asked again and says {@code connected}, and no {@code reauth_needed} follows the {@code reauthenticated}.
 * The patient profile, so the held answer does not outlast the client's timeout on a busy machine.
 */
@QuarkusTest
@TestProfile(PatientFinchProfile.class)
class StaleFinchAnswerTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @AfterEach
    void finchBackToNormal() {
        Finch.everyRequest().clearFaults();
    }

    @Test
    void anAnswerAskedBeforeTheEmployerCameBackIsNotAppliedAfterIt() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String connectionId = connection.connectionId();
        Response session = given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("connection_id", connectionId, "redirect_uri", TestStack.REDIRECT_URI))
                .post("/v1/connect/sessions/reauthenticate").andReturn();
        assertThat(session.statusCode()).as(session.asString()).isEqualTo(200);
        String state = URLDecoder.decode(session.<String>path("connect_url").replaceAll(".*[?&]state=([^&]*).*", "$1"),
                StandardCharsets.UTF_8);
        assertThat(topic.eventsWithKey(WAIT, connectionId, 1)).extracting(Event::type)
                .containsExactly("finch.connection.reauth_needed");

        Finch.aboutConnection(connectionId).fault("introspect", Map.of("hold_answer", true, "times", 1)).resetRequests();
        Finch.setStatus(connectionId, "reauth");
        Awaitility.await("Finch's answer held").atMost(WAIT).until(() -> Finch.heldAnswers() == 1);

        String code = Finch.completeSession(session.path("session_id")).code();
        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback").then().statusCode(200)
                .body(containsString("reauthenticated"));
        assertThat(Finch.releaseHeldAnswers()).isEqualTo(1);

        Awaitility.await("the hint settled").atMost(WAIT).until(() -> Sql.count(
                "SELECT count(*) FROM incoming_events WHERE connection_id = ? AND state = 'pending'", connectionId) == 0);
        assertThat(Finch.aboutConnection(connectionId).requests("introspect")).as("Finch asked again").isEqualTo(2);
        assertThat(Sql.single("SELECT outcome FROM incoming_events WHERE connection_id = ? AND channel = 'http'", connectionId))
                .isEqualTo("unchanged");
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("connected");
        assertThat(topic.eventsWithKey(WAIT, connectionId, 2)).extracting(Event::type)
                .containsExactly("finch.connection.reauth_needed", "finch.connection.reauthenticated");
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(event -> connectionId.equals(event.key())).map(Event::type))
                .as("nothing after the reauthentication").containsExactly("finch.connection.reauth_needed",
                        "finch.connection.reauthenticated");
    }
}
