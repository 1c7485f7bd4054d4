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
        assertEquals(new JsonObject().put("status", "reauth").put("authentication_method", "credential"), body.getJsonObject("data"));
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
