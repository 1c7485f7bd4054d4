package io.finchconnect.reauth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.ManagementInterface;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.SimulatedConnections.SimulatedConnection;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Only Finch ends a connection, and its word is confirmed first: a Finch-shaped {@code 401} for the token at
 * {@code /introspect} (not {@code reauthenticate_user}) is a suspicion until a second one
 * {@code REAUTH_DISCONNECT_CONFIRMATION_DELAY} later (1 s in tests) or Finch's own webhook; a working answer
 * meanwhile clears it. A Finch-shaped {@code 404} there is Finch unavailable: asked again, counted, never a change.
 */
@QuarkusTest
class DisconnectConfirmationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

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
    void oneRefusalOfTheTokenDoesNotEndTheConnection() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String connectionId = connection.connectionId();
        Finch.aboutConnection(connectionId).fault("introspect", Map.of("status", 401, "times", 1)).resetRequests();

        String report = reportReauthRequired(connectionId);
        awaitSettled(report);

        assertThat(Finch.aboutConnection(connectionId).requests("introspect")).as("Finch asked again").isEqualTo(2);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("connected");
        assertThat(Sql.single("SELECT disconnect_suspected_at FROM connections WHERE connection_id = ?", connectionId))
                .as("the working answer cleared the suspicion").isNull();
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(event -> connectionId.equals(event.key()))).isEmpty();
    }

    @Test
    void aRevokedTokenIsDisconnectedOnceTheSecondRefusalConfirmsIt() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String connectionId = connection.connectionId();
        // Finch disconnected it and its webhook was lost: the tokens are revoked, only introspection can tell.
        Finch.setStatusUndelivered(connectionId, "disconnected");
        Finch.aboutConnection(connectionId).resetRequests();

        String report = reportReauthRequired(connectionId);
        awaitSettled(report);

        assertThat(Finch.aboutConnection(connectionId).requests("introspect")).as("refused twice").isEqualTo(2);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("disconnected");
        assertThat(topic.eventsWithKey(WAIT, connectionId, 1)).singleElement().satisfies(event -> {
            assertThat(event.type()).isEqualTo("finch.connection.disconnected");
            JsonNode data = data(event);
            assertThat(data.path("by").asText()).isEqualTo("finch");
            assertThat(data.path("connection_status").asText()).isEqualTo("disconnected");
        });
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(event -> connectionId.equals(event.key()))
                .map(Event::type)).containsExactly("finch.connection.disconnected");
    }

    @Test
    void aFinchShaped404AtIntrospectIsFinchUnavailableAskedAgainAndCounted() {
        SimulatedConnection connection = SimulatedConnections.connected();
        String connectionId = connection.connectionId();
        double before = introspections("unavailable");
        Finch.aboutConnection(connectionId).fault("introspect", Map.of("status", 404, "times", 2)).resetRequests();
        Finch.setStatusUndelivered(connectionId, "reauth");

        String report = reportReauthRequired(connectionId);
        awaitSettled(report);

        assertThat(Finch.aboutConnection(connectionId).requests("introspect")).isEqualTo(3);
        assertThat(introspections("unavailable") - before).isEqualTo(2);
        assertThat(Sql.single("SELECT status FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("reauth");
        assertThat(topic.eventsWithKey(WAIT, connectionId, 2)).extracting(Event::type, Event::carriesReauthSession)
                .containsExactly(tuple("finch.connection.reauth_needed", false), tuple("finch.connection.reauth_needed", true));
    }

    private static JsonNode data(Event event) {
        try {
            JsonNode root = new ObjectMapper().readTree(event.value());
            return root.has("data") ? root.get("data") : root;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reportReauthRequired(String connectionId) {
        return given().auth().oauth2(TestStack.get().jwt().token("connections:report"))
                .post("/v1/connections/" + connectionId + "/reauth-required").then().statusCode(200)
                .extract().path("report_id");
    }

    private static void awaitSettled(String eventId) {
        Awaitility.await("the hint settled").atMost(WAIT).until(() -> "done".equals(
                Sql.single("SELECT state FROM incoming_events WHERE event_id = ?", eventId)));
    }

    private static double introspections(String outcome) {
        return ManagementInterface.given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> line.startsWith("inbox_introspections_total{") && line.contains("outcome=\"" + outcome + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
