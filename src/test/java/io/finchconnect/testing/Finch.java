package io.finchconnect.testing;

import static io.restassured.RestAssured.given;

import java.util.HashMap;
import java.util.Map;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * The tests' one client of the Finch simulator of the {@link TestStack}: Finch's own session call and the
 * simulator's {@code /_control} API (docs/finch-simulator.md) under names that say what a test does there. Every
 * call asserts the answer's status, so a test reads as the steps it takes.
 *
 * <p>Faults and request counts are kept {@linkplain #aboutConnection per connection} or
 * {@linkplain #aboutCustomer per customer}, so a test sees only its own and never clears another's;
 * {@link #everyRequest()} is the simulator-wide form, for what has no connection or customer of its own.
 */
public final class Finch {

    public static final String API_VERSION = "2020-09-17";

    private Finch() {
    }

    /** What the employer's authorization at Finch hands back. */
    public record Authorization(String code, String connectionId, String redirectUri) {
    }

    /** A session created straight at Finch with this service's client credentials; returns the session id. */
    public static String createSession(String customerId) {
        return createSession(Map.of("customer_id", customerId, "customer_name", "Acme " + customerId,
                "products", new String[] { "company", "directory" }));
    }

    /** A session of the given {@code POST /connect/sessions} body, created straight at Finch; returns its id. */
    public static String createSession(Map<String, Object> body) {
        Map<String, String> config = TestStack.get().config();
        return simulator().auth().preemptive().basic(config.get("finch.client-id"), config.get("finch.client-secret"))
                .header("Finch-API-Version", API_VERSION).contentType(ContentType.JSON).body(body)
                .post("/connect/sessions").then().statusCode(201).extract().path("session_id");
    }

    /** The employer authorizes the session at Finch (without a browser). */
    public static Authorization completeSession(String sessionId) {
        return completeSession(sessionId, Map.of());
    }

    /** The employer authorizes the session for a connection of {@code entities} entities. */
    public static Authorization completeSession(String sessionId, int entities) {
        return completeSession(sessionId, Map.of("entities", entities));
    }

    /** The employer completes a reauthentication session, granting {@code newEntities} more entities meanwhile. */
    public static Authorization completeReauthentication(String sessionId, int newEntities) {
        return completeSession(sessionId, Map.of("new_entities", newEntities));
    }

    private static Authorization completeSession(String sessionId, Map<String, Object> body) {
        JsonPath completed = simulator().contentType(ContentType.JSON).body(body)
                .post("/_control/sessions/" + sessionId + "/complete").then().statusCode(200).extract().jsonPath();
        return new Authorization(completed.getString("code"), completed.getString("connection_id"),
                completed.getString("redirect_uri"));
    }

    /** The connection as Finch holds it ({@code GET /_control/connections/{id}}). */
    public static JsonPath connection(String connectionId) {
        return simulator().get("/_control/connections/" + connectionId).then().statusCode(200).extract().jsonPath();
    }

    /** The customer's staged session and connection at Finch ({@code GET /_control/customers/{id}}). */
    public static JsonPath customer(String customerId) {
        return simulator().get("/_control/customers/" + customerId).then().statusCode(200).extract().jsonPath();
    }

    /** Changes the connection's status at Finch, which signs and delivers an account.updated webhook; the delivery. */
    public static JsonPath setStatus(String connectionId, String status) {
        return simulator().contentType(ContentType.JSON).body(Map.of("status", status))
                .post("/_control/connections/" + connectionId + "/status").then().statusCode(200).extract().jsonPath();
    }

    /**
     * Changes the connection's status at Finch while no webhook URL is set, so the account.updated it signs reaches
     * nobody: a delivery that failed, or a status change the service learns only by asking Finch. The webhook URL
     * is then pointed back at the service under test. Returns the event id, for a later {@link #redeliver}.
     */
    public static String setStatusUndelivered(String connectionId, String status) {
        TestStack.get().setFinchWebhookUrl(null);
        try {
            JsonPath delivery = setStatus(connectionId, status);
            if (delivery.get("delivery_status") != null) {
                throw new IllegalStateException("the webhook was delivered after all");
            }
            return delivery.getString("event_id");
        } finally {
            TestStack.get().setFinchWebhookUrl("http://localhost:" + RestAssured.port + "/v1/webhooks/finch");
        }
    }

    /** Changes one entity's status at Finch, with its account.updated webhook naming that entity. */
    public static JsonPath setEntityStatus(String connectionId, String entityId, String status) {
        return simulator().contentType(ContentType.JSON).body(Map.of("status", status))
                .post("/_control/connections/" + connectionId + "/entities/" + entityId + "/status").then().statusCode(200)
                .extract().jsonPath();
    }

    /** A job of {@code type} finished at Finch with {@code status}, and its job webhook sent; the delivery. */
    public static JsonPath finishJob(String connectionId, String type, String status) {
        return simulator().contentType(ContentType.JSON).body(Map.of("type", type, "status", status))
                .post("/_control/connections/" + connectionId + "/jobs").then().statusCode(200).extract().jsonPath();
    }

    /** When Finch last synced the connection, as its introspection will report it. */
    public static void setLastSuccessfulSync(String connectionId, java.time.Instant at) {
        simulator().contentType(ContentType.JSON).body(Map.of("last_successful_sync", at.toString()))
                .put("/_control/connections/" + connectionId + "/last-successful-sync").then().statusCode(200);
    }

    /** Delivers a sent event again (a duplicate, as Finch's retries make them); the delivery. */
    public static JsonPath redeliver(String eventId) {
        return simulator().post("/_control/webhooks/" + eventId + "/redeliver").then().statusCode(200).extract().jsonPath();
    }

    /** The provider's login fails at the Connect page with this message, until {@link #endProviderOutage}. */
    public static void startProviderOutage(String provider, String message) {
        simulator().contentType(ContentType.JSON).body(Map.of("message", message))
                .put("/_control/providers/" + provider + "/outage").then().statusCode(200);
    }

    public static void endProviderOutage(String provider) {
        simulator().delete("/_control/providers/" + provider + "/outage").then().statusCode(204);
    }

    /** The answers a {@code hold_answer} fault holds now. */
    public static int heldAnswers() {
        return simulator().get("/_control/held-answers").then().statusCode(200).extract().path("held");
    }

    /** Sends the held answers, as Finch gave them when asked; how many. */
    public static int releaseHeldAnswers() {
        return simulator().post("/_control/held-answers/release").then().statusCode(200).extract().path("released");
    }

    /** Faults and counts of the requests about one connection (its access tokens, codes, reauthentications). */
    public static Scope aboutConnection(String connectionId) {
        return new Scope("connection_id", connectionId);
    }

    /** Faults and counts of the requests about one customer: its sessions, and everything about its connection. */
    public static Scope aboutCustomer(String customerId) {
        return new Scope("customer_id", customerId);
    }

    /** Faults and counts of every request; clearing them clears every scope's too. */
    public static Scope everyRequest() {
        return new Scope(null, null);
    }

    /** Faults and request counts of one scope; endpoints are the simulator's keys ({@code auth.token}, ...). */
    public static final class Scope {

        private final String field;
        private final String id;

        private Scope(String field, String id) {
            this.field = field;
            this.id = id;
        }

        /** Sets the endpoint's fault (latency_ms, status, times, ...) for this scope's requests. */
        public Scope fault(String endpoint, Map<String, Object> fault) {
            Map<String, Object> body = new HashMap<>(fault);
            if (field != null) {
                body.put(field, id);
            }
            simulator().contentType(ContentType.JSON).body(body).put("/_control/faults/" + endpoint).then().statusCode(200);
            return this;
        }

        public Scope clearFaults() {
            scoped().delete("/_control/faults").then().statusCode(204);
            return this;
        }

        /** How many requests of this scope reached the endpoint, faulted or refused ones included. */
        public long requests(String endpoint) {
            Number count = scoped().get("/_control/requests").then().statusCode(200).extract().jsonPath()
                    .get("'" + endpoint + "'");
            return count == null ? 0 : count.longValue();
        }

        /**
         * The most requests of the endpoint that the simulator held at once (received, not yet answered) since the
         * counts were last reset; for every request only.
         */
        public long peakInFlight(String endpoint) {
            if (field != null) {
                throw new IllegalStateException("peaks are kept for every request only");
            }
            Number peak = simulator().get("/_control/requests/peaks").then().statusCode(200).extract().jsonPath()
                    .get("'" + endpoint + "'");
            return peak == null ? 0 : peak.longValue();
        }

        public Scope resetRequests() {
            scoped().delete("/_control/requests").then().statusCode(204);
            return this;
        }

        private RequestSpecification scoped() {
            return field == null ? simulator() : simulator().queryParam(field, id);
        }
    }

    private static RequestSpecification simulator() {
        return given().baseUri(TestStack.get().finchBaseUrl());
    }
}
