package io.finchconnect.api;

import static io.restassured.RestAssured.given;

import java.util.Set;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

/**
 * With {@code MP_JWT_VERIFY_AUDIENCES} set, as the test profile sets it like production, a bearer token must name
 * this service in {@code aud}.
 */
@QuarkusTest
class JwtAudienceTest {

    @Test
    void aTokenForThisServiceIsAccepted() {
        given().auth().oauth2(TestStack.get().jwt().tokenFor(Set.of("finch-connect-service"), "connections:read"))
                .queryParam("limit", 1).get("/v1/connections").then().statusCode(200);
        given().auth().oauth2(TestStack.get().jwt().tokenFor(Set.of("another-service", "finch-connect-service"), "connections:read"))
                .queryParam("limit", 1).get("/v1/connections").then().statusCode(200);
    }

    @Test
    void aTokenForAnotherAudienceIsUnauthorized() {
        given().auth().oauth2(TestStack.get().jwt().tokenFor(Set.of("another-service"), "connections:read"))
                .queryParam("limit", 1).get("/v1/connections").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void aTokenWithoutAudienceIsUnauthorized() {
        given().auth().oauth2(TestStack.get().jwt().tokenWithoutAudience("connections:read"))
                .queryParam("limit", 1).get("/v1/connections").then().statusCode(401).contentType("application/problem+json");
    }
}
