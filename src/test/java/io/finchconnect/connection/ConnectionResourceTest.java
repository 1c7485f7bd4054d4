package io.finchconnect.connection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class ConnectionResourceTest {

    @Test
    void theAccessTokenIsReadableOnlyWithItsRoleAndStoredOnlyEncrypted() {
        String connectionId = SimulatedConnections.establishedThroughTheService("cust-" + UUID.randomUUID());
        String path = "/v1/connections/" + connectionId + "/access-token";

        given().get(path).then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2(TestStack.get().jwt().token("connections:read")).get(path).then().statusCode(403);
        given().auth().oauth2(TestStack.get().jwt().token("tokens:read")).get("/v1/connections/nope-" + UUID.randomUUID()
                + "/access-token").then().statusCode(404).contentType("application/problem+json");
        String token = given().auth().oauth2(TestStack.get().jwt().token("tokens:read")).get(path).then().statusCode(200)
                .body("connection_id", equalTo(connectionId)).body("token_type", equalTo("bearer"))
                .header("Cache-Control", equalTo("no-store")).extract().path("access_token");

        // Finch itself recognises the token: it is the real one, decrypted.
        given().baseUri(TestStack.get().finchBaseUrl()).header("Finch-API-Version", "2020-09-17").auth().oauth2(token)
                .get("/introspect").then().statusCode(200).body("connection_id", equalTo(connectionId));
        String row = (String) Sql.single("SELECT row_to_json(c)::text FROM connections c WHERE connection_id = ?", connectionId);
        byte[] ciphertext = (byte[]) Sql.single("SELECT token_ciphertext FROM connections WHERE connection_id = ?", connectionId);
        assertThat(row).doesNotContain(token);
        assertThat(new String(ciphertext, StandardCharsets.ISO_8859_1)).doesNotContain(token);
        assertThat(ciphertext.length).isGreaterThan(token.length());
    }

    @Test
    void aConnectionShowsItsStatusAndItsReauthSessionWhileInReauth() {
        String connectionId = SimulatedConnections.establishedThroughTheService("cust-" + UUID.randomUUID());
        String reader = TestStack.get().jwt().token("connections:read");
        given().auth().oauth2(reader).get("/v1/connections/" + connectionId).then().statusCode(200)
                .body("status", equalTo("connected")).body("products", org.hamcrest.Matchers.hasItems("company", "directory"))
                .body("reauth_session", org.hamcrest.Matchers.nullValue());

        Finch.setStatusUndelivered(connectionId, "reauth");
        given().auth().oauth2(TestStack.get().jwt().token("connections:report"))
                .post("/v1/connections/" + connectionId + "/reauth-required").then().statusCode(200);

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(reader)
                .get("/v1/connections/" + connectionId).then().statusCode(200).body("status", equalTo("reauth"))
                .body("reauth_session.connect_url", notNullValue()).body("reauth_session.session_id", notNullValue()));
        given().get("/v1/connections/" + connectionId).then().statusCode(401);
    }

}
