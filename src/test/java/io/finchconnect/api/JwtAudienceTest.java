package io.finchconnect.api;

import static io.restassured.RestAssured.given;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With {@code MP_JWT_VERIFY_AUDIENCES} set, a bearer token must name this service in {@code aud}; the other test
 * classes run without the setting and their tokens carry no {@code aud} at all.
 */
@QuarkusTest
@TestProfile(JwtAudienceTest.AudienceChecked.class)
class JwtAudienceTest {

    public static class AudienceChecked implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.audiences", "finch-connect-service");
        }
    }

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
