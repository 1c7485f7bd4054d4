package io.finchconnect.state;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The {@code state} on a redirect-flow link is all the employer's browser sees of it: nothing of the customer, the
 * session or the caller's own state is readable there, yet the callback gets all of it back.
 */
@QuarkusTest
class ConnectLinkStateTest {

    @Test
    void theLinksStateIsUnreadableInTheBrowserAndStillCompletesTheFlow() {
        String customerId = "cust-" + UUID.randomUUID();
        String callerState = "caller-state-" + UUID.randomUUID();
        Map<String, Object> session = given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Acme " + customerId, "products", List.of("company"),
                        "redirect_uri", TestStack.REDIRECT_URI, "state", callerState))
                .post("/v1/connect/sessions").then().statusCode(201).extract().jsonPath().getMap("");
        String connectUrl = (String) session.get("connect_url");
        String sessionId = (String) session.get("session_id");
        String state = URLDecoder.decode(connectUrl.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);

        String decoded = new String(Base64.getUrlDecoder().decode(state), StandardCharsets.ISO_8859_1);
        for (String secret : List.of(customerId, sessionId, callerState, "cust-", "caller-state")) {
            assertThat(state).doesNotContain(secret);
            assertThat(decoded).doesNotContain(secret);
        }

        String code = Finch.completeSession(sessionId).code();
        given().queryParam("code", code).queryParam("state", tampered(state)).get("/v1/connect/callback")
                .then().statusCode(400).body(containsString("invalid_state"));
        given().queryParam("code", code).queryParam("state", state).get("/v1/connect/callback")
                .then().statusCode(200).body(containsString("established")).body(containsString(callerState))
                .body(containsString(customerId));
    }

    private static String tampered(String state) {
        char[] chars = state.toCharArray();
        int middle = chars.length / 2;
        chars[middle] = chars[middle] == 'A' ? 'B' : 'A';
        return new String(chars);
    }
}
