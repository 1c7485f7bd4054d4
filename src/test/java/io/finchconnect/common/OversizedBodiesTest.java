package io.finchconnect.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class OversizedBodiesTest {

    private static final String OVER_THE_DEFAULT_LIMIT = "{\"customer_id\": \"" + "x".repeat(300 * 1024) + "\"}";

    @Test
    void aBodyOverTheLimitIsRefusedWithProblemDetailsWhateverTheEndpointAndCredentials() {
        given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(OVER_THE_DEFAULT_LIMIT).post("/v1/connect/sessions")
                .then().statusCode(413).contentType("application/problem+json").body("status", equalTo(413))
                .body("type", endsWith("/payload-too-large"));
        given().contentType("application/json").body(OVER_THE_DEFAULT_LIMIT).post("/v1/webhooks/finch")
                .then().statusCode(413).contentType("application/problem+json");
        given().contentType("application/json").body(OVER_THE_DEFAULT_LIMIT).post("/v1/connect/authorizations")
                .then().statusCode(413).contentType("application/problem+json");
    }
}
