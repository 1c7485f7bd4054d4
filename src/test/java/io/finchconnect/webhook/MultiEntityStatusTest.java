package io.finchconnect.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * A multi-entity connection's status is the worst among its attached entities, as Finch's introspection gives
 * them; each entity's status is kept and shown, and the reauth_needed event names the entities concerned.
 */
@QuarkusTest
class MultiEntityStatusTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @BeforeEach
    void pointFinchAtThisService() {
        TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
    }

    @Test
    void oneEntityInReauthPutsTheConnectionInReauthAndTheEventNamesIt() throws Exception {
        String connectionId = twoEntityConnection("cust-" + UUID.randomUUID());
        List<Object> entities = Sql.column("SELECT unnest(entity_ids) FROM connections WHERE connection_id = ?", connectionId);
        String first = (String) entities.get(0);
        String second = (String) entities.get(1);

        setEntityStatusAtFinch(connectionId, second, "reauth");

        Event needed = topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connectionId.equals(e.key())
                        && "finch.connection.reauth_needed".equals(e.type()) && e.carriesReauthSession()))
                .stream().filter(e -> connectionId.equals(e.key()) && "finch.connection.reauth_needed".equals(e.type()))
                .findFirst().orElseThrow();
        JsonNode data = new ObjectMapper().readTree(needed.value());
        assertThat(data.get("entity_ids")).extracting(JsonNode::asText).containsExactly(second);
        assertThat(data.get("reason").asText()).isEqualTo("reauth");
        reader().get("/v1/connections/" + connectionId).then().statusCode(200)
                .body("status", equalTo("reauth"))
                .body("entities.find { it.entity_id == '" + first + "' }.status", equalTo("connected"))
                .body("entities.find { it.entity_id == '" + second + "' }.status", equalTo("reauth"))
                .body("reauth_session.session_id", org.hamcrest.Matchers.notNullValue());

        setEntityStatusAtFinch(connectionId, second, "connected");
        topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connectionId.equals(e.key())
                && "finch.connection.reauthenticated".equals(e.type())));
        reader().get("/v1/connections/" + connectionId).then().statusCode(200).body("status", equalTo("connected"))
                .body("entities.status", org.hamcrest.Matchers.everyItem(equalTo("connected")));
    }

    /**
     * Finch disconnects one entity of two by itself: it is set aside and announced, naming exactly that entity, by
     * Finch, while the connection stays connected with the other. From the code exchange on, each entity shows a
     * status (Finch granted them all).
     */
    @Test
    void anEntityFinchDisconnectsIsSetAsideAndAnnouncedWhileTheOtherKeepsTheConnection() {
        String connectionId = twoEntityConnection("cust-" + UUID.randomUUID());
        List<Object> entities = Sql.column("SELECT unnest(entity_ids) FROM connections WHERE connection_id = ?", connectionId);
        String first = (String) entities.get(0);
        String second = (String) entities.get(1);
        reader().get("/v1/connections/" + connectionId).then().statusCode(200)
                .body("entities.status", contains("connected", "connected"));

        setEntityStatusAtFinch(connectionId, first, "disconnected");

        List<Event> disconnected = topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connectionId.equals(e.key())
                && "finch.connection.disconnected".equals(e.type()))).stream()
                .filter(e -> connectionId.equals(e.key()) && "finch.connection.disconnected".equals(e.type())).toList();
        assertThat(JsonPath.from(disconnected.get(0).value()).getList("entity_ids")).containsExactly(first);
        assertThat(JsonPath.from(disconnected.get(0).value()).getString("by")).isEqualTo("finch");
        assertThat(JsonPath.from(disconnected.get(0).value()).getString("connection_status")).as("where it stands now")
                .isEqualTo("connected");
        assertThat(JsonPath.from(disconnected.get(0).value()).getList("entities", Map.class))
                .containsExactly(Map.of("entity_id", second, "status", "connected"), Map.of("entity_id", first, "status", "disconnected"));
        reader().get("/v1/connections/" + connectionId).then().statusCode(200).body("status", equalTo("connected"))
                .body("entity_ids", contains(second)).body("entities.entity_id", contains(second))
                .body("entities.status", contains("connected"));
        assertThat(Sql.column("SELECT unnest(disconnected_entity_ids) FROM connections WHERE connection_id = ?", connectionId))
                .containsExactly(first);
        assertThat(topic.drain(Duration.ofSeconds(2)).stream().filter(e -> connectionId.equals(e.key())).map(Event::type)
                .filter(type -> !"finch.connection.established".equals(type))).as("one event")
                .containsExactly("finch.connection.disconnected");
    }

    /**
     * The employer, back in Connect for one entity's reauth, grants a third: Finch's token names it, the connection
     * has it, connected, and the reauthenticated event lists all three where they stand.
     */
    @Test
    void anEntityGrantedByAReauthenticationAppears() {
        String connectionId = twoEntityConnection("cust-" + UUID.randomUUID());
        List<Object> entities = Sql.column("SELECT unnest(entity_ids) FROM connections WHERE connection_id = ?", connectionId);
        setEntityStatusAtFinch(connectionId, (String) entities.get(1), "reauth");
        Event withSession = topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connectionId.equals(e.key())
                        && e.carriesReauthSession())).stream()
                .filter(e -> connectionId.equals(e.key()) && e.carriesReauthSession()).findFirst().orElseThrow();
        JsonPath session = JsonPath.from(withSession.value());
        String state = URLDecoder.decode(session.getString("reauth_session.connect_url").replaceAll(".*[?&]state=([^&]*).*",
                "$1"), StandardCharsets.UTF_8);

        String code = Finch.completeReauthentication(session.getString("reauth_session.session_id"), 1).code();
        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback").then().statusCode(200);

        Event reauthenticated = topic.awaitEvents(WAIT, seen -> seen.stream().anyMatch(e -> connectionId.equals(e.key())
                        && "finch.connection.reauthenticated".equals(e.type()))).stream()
                .filter(e -> connectionId.equals(e.key()) && "finch.connection.reauthenticated".equals(e.type()))
                .findFirst().orElseThrow();
        List<Map<String, String>> listed = JsonPath.from(reauthenticated.value()).getList("entities");
        assertThat(listed).hasSize(3).allSatisfy(entity -> assertThat(entity.get("status")).isEqualTo("connected"));
        assertThat(listed).extracting(entity -> entity.get("entity_id")).containsAll(entities.stream().map(String::valueOf).toList());
        reader().get("/v1/connections/" + connectionId).then().statusCode(200).body("status", equalTo("connected"))
                .body("entity_ids", org.hamcrest.Matchers.hasSize(3))
                .body("entities.status", org.hamcrest.Matchers.everyItem(equalTo("connected")));
    }

    private static void setEntityStatusAtFinch(String connectionId, String entityId, String status) {
        Finch.setEntityStatus(connectionId, entityId, status);
    }

    /** A connection with two entities, connected through the service's embedded-flow exchange. */
    private static String twoEntityConnection(String customerId) {
        String code = Finch.completeSession(Finch.createSession(customerId), 2).code();
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("code", code, "customer_id", customerId))
                .post("/v1/connect/authorizations").then().statusCode(201).extract().path("connection_id");
    }

    private static RequestSpecification reader() {
        return given().auth().oauth2(TestStack.get().jwt().token("connections:read"));
    }
}
