package io.finchconnect.finch.client;

import static io.restassured.RestAssured.given;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.finchconnect.testing.TestStack;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** Drives the Finch simulator's {@code /_control} API: faults, request counts, completing sessions. */
final class SimulatorControl {

    private SimulatorControl() {
    }

    static void fault(String endpoint, Map<String, Object> fault) {
        control().contentType(ContentType.JSON).body(fault).put("/_control/faults/" + endpoint).then().statusCode(200);
    }

    static void reset() {
        control().delete("/_control/faults").then().statusCode(204);
        control().delete("/_control/requests").then().statusCode(204);
    }

    static long requests(String endpoint) {
        Number count = control().get("/_control/requests").then().statusCode(200).extract().jsonPath().get("'" + endpoint + "'");
        return count == null ? 0 : count.longValue();
    }

    /** Completes a staged session as the employer would; returns the authorization code. */
    static String complete(String sessionId) {
        return control().contentType(ContentType.JSON).body("{}").post("/_control/sessions/" + sessionId + "/complete")
                .then().statusCode(200).extract().jsonPath().getString("code");
    }

    static String uniqueCustomerId() {
        return "cust-" + UUID.randomUUID();
    }

    static ConnectSessionRequest sessionRequest(String customerId) {
        return new ConnectSessionRequest(customerId, "Acme " + customerId, null, List.of("company", "directory"),
                TestStack.REDIRECT_URI, null, null, null, null, null);
    }

    private static RequestSpecification control() {
        return given().baseUri(TestStack.get().finchBaseUrl());
    }
}
