package io.finchconnect.connection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.PatientFinchProfile;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * {@code GET /v1/connections}: keyset pages that walk every connection once while others are inserted, the
 * filters, and a 400 naming each bad parameter.
 */
@QuarkusTest
@TestProfile(PatientFinchProfile.class)
class ConnectionListingTest {

    @Test
    void walkingAllPagesWhileConnectionsAreInsertedSeesEachOnceAndMissesNoneThatExisted() {
        for (int i = 0; i < 12; i++) {
            insert("cust-" + UUID.randomUUID(), "connected");
        }
        Set<String> atStart = new HashSet<>();
        Sql.column("SELECT connection_id FROM connections").forEach(id -> atStart.add((String) id));
        int limit = Math.max(2, atStart.size() / 6);

        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            RequestSpecification request = api().queryParam("limit", limit);
            if (after != null) {
                request = request.queryParam("after", after);
            }
            JsonPath page = request.get("/v1/connections").then().statusCode(200).extract().jsonPath();
            List<String> ids = page.getList("connections.connection_id");
            assertThat(ids.size()).isLessThanOrEqualTo(limit);
            seen.addAll(ids);
            after = page.getString("next");
            pages++;
            // Others connect meanwhile: keys before and after the cursor.
            insert("cust-" + UUID.randomUUID(), "connected");
            insert("cust-" + UUID.randomUUID(), "reauth");
        } while (after != null);

        assertThat(pages).isGreaterThanOrEqualTo(4);
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).containsAll(atStart);
        assertThat(seen).isSorted();
    }

    @Test
    void filtersByCustomerAndStatusWithAnOpaqueCursor() {
        String customerId = "cust-" + UUID.randomUUID();
        List<String> ids = new ArrayList<>(List.of(insert(customerId, "disconnected"), insert(customerId, "disconnected"),
                insert(customerId, "reauth")));
        ids.sort(null);

        JsonPath first = api().queryParam("customer_id", customerId).queryParam("limit", 2).get("/v1/connections")
                .then().statusCode(200).body("connections", hasSize(2)).extract().jsonPath();
        assertThat(first.getList("connections.connection_id")).containsExactly(ids.get(0), ids.get(1));
        String next = first.getString("next");
        assertThat(new String(Base64.getUrlDecoder().decode(next), StandardCharsets.UTF_8)).contains(ids.get(1));
        api().queryParam("customer_id", customerId).queryParam("limit", 2).queryParam("after", next).get("/v1/connections")
                .then().statusCode(200).body("connections.connection_id", equalTo(List.of(ids.get(2))))
                .body("next", nullValue());

        api().queryParam("customer_id", customerId).queryParam("status", "disconnected").get("/v1/connections")
                .then().statusCode(200).body("connections", hasSize(2)).body("next", nullValue());
        JsonPath reauth = api().queryParam("status", "reauth").queryParam("limit", 500).get("/v1/connections")
                .then().statusCode(200).extract().jsonPath();
        assertThat(reauth.getList("connections.status", String.class)).containsOnly("reauth");
        List<Map<String, Object>> rows = api().queryParam("customer_id", customerId).queryParam("status", "reauth")
                .get("/v1/connections").then().statusCode(200).extract().path("connections");
        assertThat(rows).singleElement().satisfies(row -> assertThat(row).containsEntry("connection_id", ids.stream()
                .filter(id -> "reauth".equals(Sql.single("SELECT status FROM connections WHERE connection_id = ?", id)))
                .findFirst().orElseThrow()).containsEntry("customer_id", customerId));
    }

    @Test
    void badParametersAre400ProblemsNamingTheParameter() {
        bad("status", "bogus", "status");
        bad("limit", "0", "limit");
        bad("limit", "501", "limit");
        bad("limit", "ten", "limit");
        bad("after", "!!!not base64!!!", "after");
        bad("after", Base64.getUrlEncoder().encodeToString("no version".getBytes(StandardCharsets.UTF_8)), "after");
        api().queryParam("limit", 500).get("/v1/connections").then().statusCode(200);
        given().auth().oauth2(TestStack.get().jwt().token("connections:write")).get("/v1/connections").then().statusCode(403);
    }

    private static void bad(String parameter, String value, String field) {
        api().queryParam(parameter, value).get("/v1/connections").then().statusCode(400)
                .contentType(containsString("application/problem+json")).body("field", equalTo(field));
    }

    private static String insert(String customerId, String status) {
        String connectionId = UUID.randomUUID().toString();
        Sql.update("INSERT INTO customers (customer_id, customer_name) VALUES (?, ?) ON CONFLICT DO NOTHING", customerId,
                "Acme " + customerId);
        Sql.update("INSERT INTO connections (connection_id, customer_id, status, status_changed_at, products, token_key_id, "
                + "token_ciphertext, connected_at) VALUES (?, ?, ?, now(), '{company}', 'k1', decode('00', 'hex'), now())",
                connectionId, customerId, status);
        return connectionId;
    }

    private static RequestSpecification api() {
        return given().auth().oauth2(TestStack.get().jwt().token("connections:read"));
    }
}
