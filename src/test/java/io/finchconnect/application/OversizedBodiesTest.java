package io.finchconnect.application;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.TestStack;
import io.quarkus.test.common.http.TestHTTPResource;
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

    @TestHTTPResource("/v1/connect/sessions")
    URI sessions;

    @Test
    void aBodyOfUnknownLengthIsRefusedWithProblemDetails() throws Exception {
        // The JDK client sends a body from a stream, whose length it cannot know, chunked.
        HttpRequest request = HttpRequest.newBuilder(sessions).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TestStack.get().jwt().token("sessions:write"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        "{\"customer_id\": \"c-1\", \"customer_name\": \"C\", \"products\": [\"company\"]}"
                                .getBytes(StandardCharsets.UTF_8))))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(411);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"status\":411", "/length-required");
    }
}
