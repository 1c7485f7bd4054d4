package io.finchconnect.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookDeliveryTest {

    /** One webhook as the receiver saw it. */
    record Received(String eventId, String timestamp, String signature, String contentType, String body) {
    }

    private static final String SECRET = "dGVzdC13ZWJob29rLXNlY3JldC1mb3ItZGVsaXZlcnk=";

    private static final BlockingQueue<Received> RECEIVED = new LinkedBlockingQueue<>();
    private static volatile int receiverStatus = 200;
    private static HttpServer receiver;
    private static FinchSimulator simulator;
    private static SimulatorClient client;

    @BeforeAll
    static void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        receiver.createContext("/webhooks/finch", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            RECEIVED.add(new Received(exchange.getRequestHeaders().getFirst("Finch-Event-Id"),
                    exchange.getRequestHeaders().getFirst("Finch-Timestamp"),
                    exchange.getRequestHeaders().getFirst("Finch-Signature"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
            exchange.sendResponseHeaders(receiverStatus, -1);
            exchange.close();
        });
        receiver.start();
        simulator = FinchSimulator.start(FinchSimulator.Options.defaults().withWebhookSecretBase64(SECRET)
                .withWebhookUrl("http://localhost:" + receiver.getAddress().getPort() + "/webhooks/finch"));
        client = new SimulatorClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
        receiver.stop(0);
    }

    @BeforeEach
    void clearReceived() {
        RECEIVED.clear();
        receiverStatus = 200;
    }

    @Test
    void statusChangeDeliversASignedAccountUpdatedWebhook() throws Exception {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        String connectionId = token.getString("connection_id");

        SimulatorClient.Reply reply = client.controlPost("/_control/connections/" + connectionId + "/status",
                new JsonObject().put("status", "reauth").put("message", "Password changed"));

        assertEquals(200, reply.status(), reply.body());
        assertEquals(200, reply.json().getInteger("delivery_status"));
        Received webhook = RECEIVED.poll(5, TimeUnit.SECONDS);
        assertNotNull(webhook);
        assertEquals(reply.json().getString("event_id"), webhook.eventId());
        assertTrue(webhook.eventId().matches("msg_[0-9A-Za-z]{27}"), webhook.eventId());
        assertTrue(Math.abs(Long.parseLong(webhook.timestamp()) - Instant.now().getEpochSecond()) <= 5);
        assertEquals("application/json", webhook.contentType());
        assertEquals(independentSignature(webhook), webhook.signature());
        JsonObject body = new JsonObject(webhook.body());
        assertEquals(connectionId, body.getString("connection_id"));
        assertEquals(token.getString("company_id"), body.getString("company_id"));
        assertEquals(token.getString("account_id"), body.getString("account_id"));
        assertTrue(body.containsKey("entity_id"));
        assertNull(body.getValue("entity_id"));
        assertEquals("account.updated", body.getString("event_type"));
        assertEquals(new JsonObject().put("status", "reauth").put("authentication_method", new JsonObject()
                .put("type", "credential").putNull("supported_fields").putNull("benefits_support")), body.getJsonObject("data"));
        JsonObject state = client.controlGet("/_control/connections/" + connectionId).json();
        assertEquals("reauth", state.getString("status"));
        assertEquals("Password changed", state.getString("message"));
    }

    @Test
    void redeliveryKeepsTheEventIdAndBodyWithAFreshSignature() throws Exception {
        String connectionId = client.connect(SimulatorClient.uniqueCustomerId()).getString("connection_id");
        receiverStatus = 500;
        JsonObject first = client.controlPost("/_control/connections/" + connectionId + "/status",
                new JsonObject().put("status", "error_permissions")).json();
        assertEquals(500, first.getInteger("delivery_status"));
        Received original = RECEIVED.poll(5, TimeUnit.SECONDS);
        receiverStatus = 204;

        JsonObject again = client.controlPost("/_control/webhooks/" + first.getString("event_id") + "/redeliver", null).json();

        assertEquals(first.getString("event_id"), again.getString("event_id"));
        assertEquals(204, again.getInteger("delivery_status"));
        Received redelivered = RECEIVED.poll(5, TimeUnit.SECONDS);
        assertNotNull(original);
        assertNotNull(redelivered);
        assertEquals(original.eventId(), redelivered.eventId());
        assertEquals(original.body(), redelivered.body());
        assertEquals(independentSignature(redelivered), redelivered.signature());
        assertEquals(404, client.controlPost("/_control/webhooks/msg_unknown/redeliver", null).status());
    }

    @Test
    void arbitraryEventsAreSignedToo() throws Exception {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());

        JsonObject reply = client.controlPost("/_control/webhooks", new JsonObject()
                .put("connection_id", token.getString("connection_id"))
                .put("event_type", "job.initial_data_sync_org.succeeded")
                .put("data", new JsonObject().put("job_id", "job-1"))).json();

        Received webhook = RECEIVED.poll(5, TimeUnit.SECONDS);
        assertNotNull(webhook);
        assertEquals(reply.getString("event_id"), webhook.eventId());
        assertEquals(independentSignature(webhook), webhook.signature());
        JsonObject body = new JsonObject(webhook.body());
        assertEquals("job.initial_data_sync_org.succeeded", body.getString("event_type"));
        assertEquals("job-1", body.getJsonObject("data").getString("job_id"));
    }

    @Test
    void withoutAWebhookUrlNothingIsDelivered() {
        String connectionId = client.connect(SimulatorClient.uniqueCustomerId()).getString("connection_id");
        String url = "http://localhost:" + receiver.getAddress().getPort() + "/webhooks/finch";
        simulator.setWebhookUrl(null);
        try {
            JsonObject reply = client.controlPost("/_control/connections/" + connectionId + "/status",
                    new JsonObject().put("status", "processing")).json();

            assertTrue(reply.getString("event_id").startsWith("msg_"));
            assertTrue(reply.containsKey("delivery_status"));
            assertNull(reply.getValue("delivery_status"));
            assertTrue(RECEIVED.isEmpty());
        } finally {
            simulator.setWebhookUrl(url);
        }
    }

    @Test
    void unknownStatusOrConnectionIsRejected() {
        String connectionId = client.connect(SimulatorClient.uniqueCustomerId()).getString("connection_id");

        assertEquals(400, client.controlPost("/_control/connections/" + connectionId + "/status",
                new JsonObject().put("status", "broken")).status());
        assertEquals(404, client.controlPost("/_control/connections/unknown/status",
                new JsonObject().put("status", "reauth")).status());
    }

    @Test
    void aHeldEventIsDeliveredLaterAfterANewerOne() throws Exception {
        String connectionId = client.connect(SimulatorClient.uniqueCustomerId()).getString("connection_id");
        JsonObject held = status(connectionId, "reauth", "hold");
        assertEquals("held", held.getString("delivery_error"));
        JsonObject newer = status(connectionId, "connected", null);

        Received first = RECEIVED.poll(5, TimeUnit.SECONDS);
        assertNotNull(first);
        assertEquals(newer.getString("event_id"), first.eventId());
        assertTrue(waitingIds().contains(held.getString("event_id")));
        Thread.sleep(1100);
        JsonObject late = client.controlPost("/_control/webhooks/" + held.getString("event_id") + "/deliver", null).json();

        assertEquals(200, late.getInteger("delivery_status"));
        Received second = RECEIVED.poll(5, TimeUnit.SECONDS);
        assertNotNull(second);
        assertEquals(held.getString("event_id"), second.eventId());
        assertEquals("reauth", new JsonObject(second.body()).getJsonObject("data").getString("status"));
        assertTrue(Long.parseLong(second.timestamp()) > Long.parseLong(first.timestamp()),
                "the older event arrives later with a newer Finch-Timestamp");
        assertEquals(independentSignature(second), second.signature());
        assertTrue(!waitingIds().contains(held.getString("event_id")));
        assertEquals(409, client.controlPost("/_control/webhooks/" + held.getString("event_id") + "/deliver", null).status());
    }

    @Test
    void aFailedFirstDeliveryIsRetriedWithItsOwnTimestampAndSignature() throws Exception {
        String connectionId = client.connect(SimulatorClient.uniqueCustomerId()).getString("connection_id");
        JsonObject failed = status(connectionId, "error_permissions", "fail_first");
        String eventId = failed.getString("event_id");
        assertNull(failed.getValue("delivery_status"));
        assertNull(RECEIVED.poll(300, TimeUnit.MILLISECONDS), "the failed attempt never reached the receiver");

        JsonObject retried = client.controlPost("/_control/webhooks/" + eventId + "/deliver", null).json();

        Received webhook = RECEIVED.poll(5, TimeUnit.SECONDS);
        assertNotNull(webhook);
        assertEquals(eventId, webhook.eventId());
        assertEquals(independentSignature(webhook), webhook.signature());
        JsonObject shown = client.controlGet("/_control/webhooks/" + eventId).json();
        assertEquals(2, shown.getJsonArray("attempts").size());
        long firstTimestamp = shown.getJsonArray("attempts").getJsonObject(0).getLong("finch_timestamp");
        long secondTimestamp = shown.getJsonArray("attempts").getJsonObject(1).getLong("finch_timestamp");
        assertTrue(secondTimestamp > firstTimestamp, "each attempt is signed anew, with its own timestamp");
        assertEquals(secondTimestamp, Long.parseLong(webhook.timestamp()));
        assertEquals(retried.getLong("finch_timestamp"), secondTimestamp);
        assertTrue(shown.getBoolean("delivered"));
    }

    @Test
    void aDroppedEventIsNeverDelivered() throws Exception {
        String connectionId = client.connect(SimulatorClient.uniqueCustomerId()).getString("connection_id");
        String eventId = status(connectionId, "reauth", "drop").getString("event_id");

        assertNull(RECEIVED.poll(500, TimeUnit.MILLISECONDS));
        assertEquals(409, client.controlPost("/_control/webhooks/" + eventId + "/deliver", null).status());
        assertEquals(409, client.controlPost("/_control/webhooks/" + eventId + "/redeliver", null).status());
        assertTrue(!waitingIds().contains(eventId));
        assertNull(RECEIVED.poll(300, TimeUnit.MILLISECONDS));
        assertEquals("reauth", client.controlGet("/_control/connections/" + connectionId).json().getString("status"),
                "the state changed at Finch even though its webhook was lost");
    }

    @Test
    void waitingEventsAreDeliveredInTheOrderAskedFor() throws Exception {
        String connectionId = client.connect(SimulatorClient.uniqueCustomerId()).getString("connection_id");
        String a = status(connectionId, "processing", "hold").getString("event_id");
        String b = status(connectionId, "reauth", "hold").getString("event_id");
        String c = status(connectionId, "connected", "fail_first").getString("event_id");

        client.controlPost("/_control/webhooks/waiting/deliver", new JsonObject().put("event_ids",
                new io.vertx.core.json.JsonArray().add(b))).json();
        JsonObject rest = client.controlPost("/_control/webhooks/waiting/deliver", new JsonObject().put("event_ids",
                new io.vertx.core.json.JsonArray().add(c).add(a))).json();

        assertEquals(2, rest.getJsonArray("deliveries").size());
        assertEquals(java.util.List.of(b, c, a), java.util.List.of(RECEIVED.poll(5, TimeUnit.SECONDS).eventId(),
                RECEIVED.poll(5, TimeUnit.SECONDS).eventId(), RECEIVED.poll(5, TimeUnit.SECONDS).eventId()));
        assertTrue(!waitingIds().contains(a) && !waitingIds().contains(b) && !waitingIds().contains(c));
    }

    @Test
    void theDefaultDeliveryModeAppliesToEventsTheFinchApiFires() throws Exception {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        JsonObject mode = client.send(client.request("/_control/webhooks/delivery").header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(new JsonObject().put("delivery", "hold").encode())).build()).json();
        assertEquals("now", mode.getString("previous"));
        try {
            assertEquals(200, client.bearerPost("/disconnect", token.getString("access_token")).status());
            assertNull(RECEIVED.poll(300, TimeUnit.MILLISECONDS), "held");
        } finally {
            client.send(client.request("/_control/webhooks/delivery").header("Content-Type", "application/json")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(new JsonObject().put("delivery", "now").encode())).build());
        }
        JsonObject waiting = client.controlGet("/_control/webhooks/waiting").json().getJsonArray("events").stream()
                .map(JsonObject.class::cast)
                .filter(event -> token.getString("connection_id").equals(event.getJsonObject("body").getString("connection_id")))
                .findFirst().orElseThrow();
        assertEquals("account.updated", waiting.getString("event_type"));
        assertEquals("disconnected", waiting.getJsonObject("body").getJsonObject("data").getString("status"));
        client.controlPost("/_control/webhooks/" + waiting.getString("event_id") + "/deliver", null);
        assertEquals(waiting.getString("event_id"), RECEIVED.poll(5, TimeUnit.SECONDS).eventId());
    }

    @Test
    void anEntityStatusChangeNamesTheEntity() throws Exception {
        JsonObject token = connectWithEntities(3);
        String connectionId = token.getString("connection_id");
        String entityId = token.getJsonArray("entity_ids").getString(1);

        client.controlPost("/_control/connections/" + connectionId + "/entities/" + entityId + "/status",
                new JsonObject().put("status", "reauth"));

        JsonObject body = new JsonObject(RECEIVED.poll(5, TimeUnit.SECONDS).body());
        assertEquals(entityId, body.getString("entity_id"));
        assertEquals("account.updated", body.getString("event_type"));
        assertEquals("reauth", body.getJsonObject("data").getString("status"));
        JsonObject introspection = client.bearerGet("/introspect", token.getString("access_token")).json();
        assertEquals("connected", introspection.getJsonObject("connection_status").getString("status"));
        assertEquals(java.util.List.of("connected", "reauth", "connected"), introspection.getJsonArray("entities").stream()
                .map(entity -> ((JsonObject) entity).getString("status")).toList());
        assertEquals(404, client.controlPost("/_control/connections/" + connectionId + "/entities/nope/status",
                new JsonObject().put("status", "reauth")).status());
    }

    @Test
    void disconnectingAnEntityFiresAccountUpdatedForIt() throws Exception {
        JsonObject token = connectWithEntities(2);
        String removed = token.getJsonArray("entity_ids").getString(0);

        SimulatorClient.Reply reply = client.send(client.finchPost("/disconnect-entity", new JsonObject()
                .put("entity_ids", new io.vertx.core.json.JsonArray().add(removed)))
                .header("Authorization", "Bearer " + token.getString("access_token")).build());

        assertEquals(200, reply.status(), reply.body());
        JsonObject body = new JsonObject(RECEIVED.poll(5, TimeUnit.SECONDS).body());
        assertEquals(removed, body.getString("entity_id"));
        assertEquals("disconnected", body.getJsonObject("data").getString("status"));
    }

    @Test
    void aJobWebhookCarriesTheJobWhoseStatusFinchServes() throws Exception {
        JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
        String connectionId = token.getString("connection_id");

        JsonObject reply = client.controlPost("/_control/connections/" + connectionId + "/jobs",
                new JsonObject().put("type", "data_sync_all").put("status", "reauth_error")).json();
        client.controlPost("/_control/connections/" + connectionId + "/jobs", new JsonObject().put("type", "initial_data_sync_org"));

        JsonObject completed = new JsonObject(RECEIVED.poll(5, TimeUnit.SECONDS).body());
        JsonObject succeeded = new JsonObject(RECEIVED.poll(5, TimeUnit.SECONDS).body());
        assertEquals("job.data_sync_all.completed", completed.getString("event_type"));
        assertEquals("job.initial_data_sync_org.succeeded", succeeded.getString("event_type"));
        String jobId = completed.getJsonObject("data").getString("job_id");
        assertEquals(reply.getJsonObject("job").getString("job_id"), jobId);
        assertEquals(simulator.baseUrl() + "/jobs/automated/" + jobId, completed.getJsonObject("data").getString("job_url"));
        JsonObject job = client.bearerGet("/jobs/automated/" + jobId, token.getString("access_token")).json();
        assertEquals("reauth_error", job.getString("status"));
        assertEquals("data_sync_all", job.getString("type"));
        assertNotNull(job.getString("completed_at"));
        assertEquals(404, client.bearerGet("/jobs/automated/" + jobId, client.connect(SimulatorClient.uniqueCustomerId())
                .getString("access_token")).status(), "another connection's job");
        assertEquals(400, client.controlPost("/_control/connections/" + connectionId + "/jobs",
                new JsonObject().put("type", "payroll_magic")).status());
    }

    private static JsonObject connectWithEntities(int entities) {
        String sessionId = client.basicPost("/connect/sessions", SimulatorClient.sessionBody(SimulatorClient.uniqueCustomerId()))
                .json().getString("session_id");
        String code = client.controlPost("/_control/sessions/" + sessionId + "/complete",
                new JsonObject().put("entities", entities)).json().getString("code");
        return client.exchange(code).json();
    }

    private static JsonObject status(String connectionId, String status, String delivery) {
        JsonObject body = new JsonObject().put("status", status);
        if (delivery != null) {
            body.put("delivery", delivery);
        }
        SimulatorClient.Reply reply = client.controlPost("/_control/connections/" + connectionId + "/status", body);
        assertEquals(200, reply.status(), reply.body());
        return reply.json();
    }

    private static java.util.List<String> waitingIds() {
        return client.controlGet("/_control/webhooks/waiting").json().getJsonArray("events").stream()
                .map(event -> ((JsonObject) event).getString("event_id")).toList();
    }

    /** Verifies as a receiver would, without the simulator's signer: HMAC-SHA256 over id.timestamp.body. */
    private static String independentSignature(Received webhook) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET), "HmacSHA256"));
        byte[] expected = mac.doFinal((webhook.eventId() + "." + webhook.timestamp() + "." + webhook.body())
                .getBytes(StandardCharsets.UTF_8));
        String header = "v1," + Base64.getEncoder().encodeToString(expected);
        assertTrue(MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                webhook.signature().getBytes(StandardCharsets.UTF_8)), "signature verifies");
        return header;
    }
}
