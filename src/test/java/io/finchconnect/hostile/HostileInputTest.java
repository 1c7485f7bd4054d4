package io.finchconnect.hostile;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.finchconnect.simulator.FinchWebhookSigner;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Mutation fuzzing of what the service parses, with a fixed seed so a failure reproduces: never a 5xx, never a
 * row stored for a rejected request, never a secret in a response, and oversized bodies refused early.
 */
@QuarkusTest
class HostileInputTest {

    private static final int CASES = 150;
    private final Random random = new Random(20261129L);

    @Test
    void sessionRequestsNeverFailOnTheServerAndRejectedOnesStoreNothing() {
        String token = TestStack.get().jwt().token("sessions:write");
        for (int i = 0; i < CASES; i++) {
            String customerId = "fuzz-" + UUID.randomUUID();
            String body = mutate("""
                    {"customer_id": %s, "customer_name": %s, "products": %s, "sandbox": %s, "minutes_to_expire": %s,
                     "integration": %s, "redirect_uri": %s, "state": %s}""".formatted(quote(customerId), value(), products(),
                    value(), value(), value(), value(), value()));
            Response response = given().auth().oauth2(token).contentType("application/json").body(body)
                    .post("/v1/connect/sessions");
            assertSafe(response, body);
            if (response.statusCode() >= 400) {
                assertThat(Sql.count("SELECT count(*) FROM customers WHERE customer_id = ?", customerId))
                        .as("rejected request stored nothing: %s", body).isZero();
            }
        }
    }

    @Test
    void webhookBodiesAndSignatureHeadersNeverFailOnTheServer() {
        String secret = TestStack.get().config().get("finch.webhook-secrets");
        for (int i = 0; i < CASES; i++) {
            String eventId = random.nextInt(5) == 0 ? garbage(300) : "msg_" + UUID.randomUUID();
            long timestamp = Instant.now().getEpochSecond() + (random.nextInt(4) == 0 ? random.nextInt(2000) - 1000 : 0);
            String body = mutate("""
                    {"connection_id": %s, "event_type": %s, "data": {"status": %s}}""".formatted(value(), value(), value()));
            String signature = switch (random.nextInt(4)) {
                case 0 -> garbage(80);
                case 1 -> "v1," + garbage(44);
                default -> FinchWebhookSigner.sign(secret, eventId, timestamp, body);
            };
            String timestampHeader = random.nextInt(6) == 0 ? garbage(12) : String.valueOf(timestamp);
            Response response = given().header("Finch-Event-Id", eventId).header("Finch-Timestamp", timestampHeader)
                    .header("Finch-Signature", signature).contentType("application/json")
                    .body(body.getBytes(StandardCharsets.UTF_8)).post("/v1/webhooks/finch");
            assertSafe(response, body);
            if (response.statusCode() == 401) {
                assertThat(Sql.count("SELECT count(*) FROM incoming_events WHERE event_id = ?", eventId))
                        .as("refused delivery stored nothing").isZero();
            }
        }
    }

    @Test
    void authorizationAndCallbackParametersNeverFailOnTheServer() {
        String token = TestStack.get().jwt().token("sessions:write");
        for (int i = 0; i < CASES / 3; i++) {
            String body = mutate("{\"code\": %s, \"customer_id\": %s}".formatted(value(), value()));
            assertSafe(given().auth().oauth2(token).contentType("application/json").body(body)
                    .post("/v1/connect/authorizations"), body);
            Response callback = given().queryParam("code", garbage(random.nextInt(100)))
                    .queryParam("state", garbage(random.nextInt(300))).get("/v1/connect/callback");
            assertSafe(callback, "callback");
        }
    }

    @Test
    void oversizedBodiesAreRefusedBeforeTheyAreRead() {
        String huge = "{\"customer_id\": \"" + "x".repeat(300 * 1024) + "\"}";
        given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json").body(huge)
                .post("/v1/connect/sessions").then().statusCode(413);
        given().contentType("application/json").body(huge).post("/v1/webhooks/finch").then().statusCode(413);
    }

    private void assertSafe(Response response, String input) {
        assertThat(response.statusCode()).as("no server error for %s", input).isLessThan(500);
        String answer = response.asString();
        Map<String, String> config = TestStack.get().config();
        for (String secret : List.of(config.get("finch.client-secret"), config.get("finch.webhook-secrets"),
                config.get("connect.state-key"))) {
            assertThat(answer).as("no secret in a response").doesNotContain(secret);
        }
        assertThat(answer).doesNotContain("at io.finchconnect").doesNotContain("Exception:");
    }

    /** Sometimes the template as it is, sometimes cut short, a byte flipped, or replaced by noise. */
    private String mutate(String json) {
        return switch (random.nextInt(8)) {
            case 0 -> json.substring(0, random.nextInt(json.length()));
            case 1 -> {
                char[] chars = json.toCharArray();
                chars[random.nextInt(chars.length)] = (char) random.nextInt(0x3000);
                yield new String(chars);
            }
            case 2 -> garbage(random.nextInt(200));
            default -> json;
        };
    }

    private String value() {
        return switch (random.nextInt(12)) {
            case 0 -> "null";
            case 1 -> String.valueOf(random.nextLong());
            case 2 -> "true";
            case 3 -> "[" + value() + "," + value() + "]";
            case 4 -> "{\"provider\": " + value() + ", \"auth_method\": " + value() + "}";
            case 5 -> quote("x".repeat(random.nextInt(600)));
            case 6 -> quote(garbage(30));
            case 7 -> quote("");
            case 8 -> "1e999";
            default -> quote(List.of("finch", "provider", "company", "reauth", "account.updated", "gusto").get(random.nextInt(6)));
        };
    }

    private String products() {
        List<String> all = new ArrayList<>(List.of("company", "directory", "benefits", "deduction", "ssn", "nope", ""));
        return switch (random.nextInt(4)) {
            case 0 -> quote(String.join(" ", all.subList(0, 1 + random.nextInt(all.size() - 1))));
            case 1 -> "[" + quote(all.get(random.nextInt(all.size()))) + "," + value() + "]";
            case 2 -> value();
            default -> "[\"company\"]";
        };
    }

    private String garbage(int length) {
        StringBuilder noise = new StringBuilder();
        for (int i = 0; i < length; i++) {
            noise.append((char) (random.nextInt(3) == 0 ? random.nextInt(0x10000) : 32 + random.nextInt(95)));
        }
        return noise.toString();
    }

    private static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
