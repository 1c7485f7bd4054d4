package io.finchconnect.hostile;

import static io.finchconnect.hostile.HostileValues.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.finchconnect.state.ConnectState;
import io.finchconnect.testing.NormalBuildSlice;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.TestStack;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Properties of everything the service parses, against the production jar: session and reauthentication
 * bodies, embedded-flow bodies, callback parameters, webhook bodies and signature headers, reauth reports and
 * records on the {@code finch.webhooks} topic. Never a 5xx; a refused request (4xx) changes no row of any
 * table; no secret in any answer; a Kafka record never stops the consumer; bodies over
 * {@code HTTP_MAX_BODY_SIZE} are refused with 413 before they are sent whole. The normal build runs an eighth
 * of each property's tries from a fixed seed ({@link NormalBuildSlice}); {@code -Pthorough} runs them all with
 * new inputs every run. jqwik shrinks a failure to a small one and prints its seed to replay it.
 */
@AddLifecycleHook(NormalBuildSlice.class)
class HostileInputIT {

    private static final int BODY_LIMIT_KIB = 64;
    private static final String WEBHOOKS_TOPIC = "finch.webhooks";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PRODUCTS = List.of("company", "directory", "individual", "employment", "payment",
            "pay_statement", "benefits", "deduction", "ssn", "documents");

    private static ServiceProcess service;
    private static DatabaseFingerprint database;
    private static KafkaProducer<byte[], byte[]> producer;
    private static HttpClient http;
    private static ConnectState ourStates;
    private static byte[] webhookKey;
    private static String writer;
    private static String reporter;
    private static String knownConnectionId;
    private static List<String> secrets;

    @BeforeContainer
    static void startTheService() throws Exception {
        TestStack stack = TestStack.get();
        Map<String, String> config = stack.config();
        // A database of its own: every table is compared before and after each request, and rows that earlier ITs
        // left (with the inbox rounds, sweeps and relaying they cause) changed tables under the properties in CI.
        Map<String, String> environment = new LinkedHashMap<>(ServiceProcess.environmentWithOwnDatabase(stack, "hostile"));
        environment.put("HTTP_MAX_BODY_SIZE", BODY_LIMIT_KIB + "K");
        // A consumer group of its own: a service that an earlier IT killed with kill -9 stays a member of the
        // default group until its session times out, and holds its partitions of finch.webhooks until then.
        environment.put("FINCH_WEBHOOKS_GROUP_ID", "hostile-input-" + UUID.randomUUID());
        // Reconciliation writes rows of its own (and may apply Finch's truth) while a property compares tables.
        environment.put("RECONCILE_ENABLED", "false");
        service = ServiceProcess.start(environment, "hostile-input").awaitReady();
        database = new DatabaseFingerprint(environment.get("QUARKUS_DATASOURCE_JDBC_URL"),
                environment.get("QUARKUS_DATASOURCE_USERNAME"), environment.get("QUARKUS_DATASOURCE_PASSWORD"));
        database.assertCoversEveryTable();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get("kafka.bootstrap.servers"),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000), new ByteArraySerializer(), new ByteArraySerializer());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        ourStates = new ConnectState(Base64.getDecoder().decode(config.get("connect.state-key")));
        webhookKey = Base64.getDecoder().decode(config.get("finch.webhook-secrets").split(",")[0].trim());
        writer = stack.jwt().token("sessions:write");
        reporter = stack.jwt().token("connections:report");

        String customerId = "hostile-known-" + UUID.randomUUID();
        HttpResponse<String> established = send(request("/v1/connect/authorizations", writer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"code\":\"%s\",\"customer_id\":\"%s\"}"
                        .formatted(SimulatedConnections.codeAuthorizedAtFinch(customerId), customerId))));
        assertThat(established.statusCode()).as(established.body()).isEqualTo(201);
        knownConnectionId = JSON.readTree(established.body()).get("connection_id").asText();
        String accessToken = JSON.readTree(send(request("/v1/connections/" + knownConnectionId + "/access-token",
                stack.jwt().token("tokens:read")).GET()).body()).get("access_token").asText();
        assertThat(accessToken).isNotBlank().doesNotContain("{");

        List<String> known = new ArrayList<>(List.of(config.get("finch.client-secret"), config.get("connect.state-key"), accessToken));
        Arrays.stream(config.get("finch.webhook-secrets").split(",")).map(String::trim).forEach(known::add);
        Arrays.stream(config.get("token-vault.keys").split(",")).map(key -> key.substring(key.indexOf(':') + 1)).forEach(known::add);
        secrets = List.copyOf(known);
    }

    @AfterContainer
    static void stopTheService() throws Exception {
        if (producer != null) {
            producer.close();
        }
        if (database != null) {
            database.close();
        }
        if (service != null) {
            service.close();
        }
    }

    // --- Connect sessions and the embedded flow ---------------------------------------------------------------

    @Property(tries = 100)
    void sessionRequests(@ForAll("sessionBodies") String body, @ForAll("contentTypes") String contentType) throws Exception {
        refusedRequestsStoreNothing(request("/v1/connect/sessions", writer).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf8(body))));
    }

    @Property(tries = 60)
    void reauthenticationRequests(@ForAll("reauthenticateBodies") String body) throws Exception {
        refusedRequestsStoreNothing(request("/v1/connect/sessions/reauthenticate", writer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf8(body))));
    }

    @Property(tries = 60)
    void embeddedFlowAuthorizations(@ForAll("authorizationBodies") String body) throws Exception {
        refusedRequestsStoreNothing(request("/v1/connect/authorizations", writer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf8(body))));
    }

    @Property(tries = 40)
    void reauthReports(@ForAll("pathSegments") String connectionId) throws Exception {
        refusedRequestsStoreNothing(request("/v1/connections/" + connectionId + "/reauth-required", reporter)
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * Whatever comes back to the callback is answered below 500. Presenting one of our states uses it up (the
     * consumed_states row is what makes it single-use), so that table may gain one row; nothing else changes.
     */
    @Property(tries = 70)
    void callbackParameters(@ForAll("callbackQueries") String query) throws Exception {
        Map<String, String> before = database.quietWithout("consumed_states");
        long consumedBefore = database.count("SELECT count(*) FROM consumed_states");

        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(service.url("/v1/connect/callback?" + query)))
                .timeout(Duration.ofSeconds(30)).GET());

        assertSafe(response);
        // 414: the HTTP server refuses a query string over its request-line limit before the application sees it.
        assertThat(response.statusCode()).as("the callback answers a page").isIn(200, 400, 414);
        if (response.statusCode() >= 400) {
            assertThat(database.takeWithout("consumed_states")).as("a refused callback stores nothing").isEqualTo(before);
            assertThat(database.count("SELECT count(*) FROM consumed_states"))
                    .isBetween(consumedBefore, consumedBefore + 1);
        }
    }

    // --- Finch webhooks --------------------------------------------------------------------------------------

    /** Correctly signed deliveries of any body: always 200 and recorded, as Finch would otherwise retry forever. */
    @Property(tries = 150)
    void authenticWebhooksOfAnyBody(@ForAll("webhookBodies") byte[] body, @ForAll("eventIds") String eventId) throws Exception {
        long timestamp = Instant.now().getEpochSecond();
        Map<String, String> before = database.quiet();

        HttpResponse<String> response = send(request("/v1/webhooks/finch", null).header("Content-Type", "application/json")
                .header("Finch-Event-Id", eventId).header("Finch-Timestamp", String.valueOf(timestamp))
                .header("Finch-Signature", "v1," + signature(eventId, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertSafe(response);
        if (eventId.length() <= 255) {
            assertThat(response.statusCode()).as("authentic delivery: %s", response.body()).isEqualTo(200);
            assertThat(database.count("SELECT count(*) FROM incoming_events WHERE event_id = ?", eventId)).isEqualTo(1);
        } else {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(database.take()).isEqualTo(before);
        }
    }

    @Property(tries = 100)
    void forgedOrMalformedSignatureHeaders(@ForAll("webhookBodies") byte[] body, @ForAll("signatureHeaders") List<String> headers)
            throws Exception {
        HttpRequest.Builder request = request("/v1/webhooks/finch", null).header("Content-Type", "application/json");
        String[] names = { "Finch-Event-Id", "Finch-Timestamp", "Finch-Signature" };
        for (int i = 0; i < names.length; i++) {
            if (headers.get(i) != null) {
                request.header(names[i], headers.get(i));
            }
        }
        HttpResponse<String> response = refusedRequestsStoreNothing(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        assertThat(response.statusCode()).as("not signed with our secret").isEqualTo(401);
    }

    // --- Kafka ingress ---------------------------------------------------------------------------------------

    /**
     * Hostile records on {@code finch.webhooks}, then a plain event on every partition: those still arrive, so no
     * record stopped the consumer or blocked its partition. A record stores at most its own incoming event.
     */
    @Property(tries = 20)
    void kafkaRecordsNeverStopTheConsumer(@ForAll("kafkaRecords") List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        Map<String, String> before = database.quietWithout("incoming_events");
        // Only the ingress's rows: reconciliation enqueues rows of its own (channel reconcile) meanwhile.
        long eventsBefore = database.count("SELECT count(*) FROM incoming_events WHERE channel = 'kafka'");
        int withEventId = 0;
        for (ProducerRecord<byte[], byte[]> record : records) {
            if (sent(record) && Arrays.stream(record.headers().toArray()).anyMatch(h -> h.key().equalsIgnoreCase("finch-event-id"))) {
                withEventId++;
            }
        }
        List<String> sentinels = new ArrayList<>();
        for (PartitionInfo partition : producer.partitionsFor(WEBHOOKS_TOPIC)) {
            String eventId = "msg_sentinel_" + UUID.randomUUID();
            ProducerRecord<byte[], byte[]> sentinel = new ProducerRecord<>(WEBHOOKS_TOPIC, partition.partition(), null,
                    utf8("{\"connection_id\":\"hostile-nobody\",\"event_type\":\"directory.created\",\"data\":{}}"));
            sentinel.headers().add("finch-event-id", utf8(eventId));
            producer.send(sentinel).get();
            sentinels.add(eventId);
        }

        Awaitility.await("the plain events after the hostile ones").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> sentinels.stream().allMatch(id ->
                        database.count("SELECT count(*) FROM incoming_events WHERE event_id = ?", id) == 1));
        assertThat(database.takeWithout("incoming_events")).as("hostile records change no other table").isEqualTo(before);
        assertThat(database.count("SELECT count(*) FROM incoming_events WHERE channel = 'kafka'"))
                .as("records without an event id store nothing").isLessThanOrEqualTo(eventsBefore + withEventId + sentinels.size());
    }

    // --- Body size -------------------------------------------------------------------------------------------

    /**
     * A body over the limit is refused with 413 while the client is still sending it (announced with a
     * Content-Length and never finished: problem details, before any of it is read); a chunked body, of unknown
     * length, is refused with 411 before any of it is read, whatever its size.
     */
    @Property(tries = 12)
    void oversizedBodiesAreRefusedBeforeTheyAreRead(@ForAll("bodyTargets") String path, @ForAll boolean chunked,
                                                     @ForAll @IntRange(min = 1, max = 4 << 20) int excess) throws Exception {
        int limit = BODY_LIMIT_KIB * 1024;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        if (!path.startsWith("/v1/webhooks")) {
            headers.put("Authorization", "Bearer " + writer);
        }
        Map<String, String> before = database.quiet();

        RawHttp.Answer answer = chunked
                ? RawHttp.unfinishedPost(service.port, path, headers, -1, Math.min(excess, limit + 256 * 1024), Duration.ofSeconds(20))
                : RawHttp.unfinishedPost(service.port, path, headers, (long) limit + excess, 16 * 1024, Duration.ofSeconds(20));

        assertThat(answer.status()).as("%s", answer).isEqualTo(chunked ? 411 : 413);
        assertThat(answer.header("content-type")).startsWith("application/problem+json");
        assertThat(answer.body()).contains("\"status\":" + answer.status());
        assertThat(database.take()).isEqualTo(before);
    }

    // --- What every answer must be ---------------------------------------------------------------------------

    /**
     * Background work may write while a request is answered (a webhook an earlier try had accepted, a reauth
     * session the sweeper creates), so the tables are compared once they are quiet, and a difference is checked
     * once more with the same request: a refused request that stores something does so both times.
     */
    private static HttpResponse<String> refusedRequestsStoreNothing(HttpRequest.Builder request) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Map<String, String> before = database.quiet();
            HttpResponse<String> response = send(request);
            assertSafe(response);
            if (response.statusCode() < 400) {
                return response;
            }
            if (response.statusCode() != 414) {
                // 414 (a request line over the HTTP server's limit) is answered before the application sees it.
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                        assertThat(type).startsWith("application/problem+json"));
            }
            Map<String, String> after = database.take();
            if (attempt == 2 || after.equals(before)) {
                assertThat(after).as("a refused request stores nothing: %s (latest incoming events: %s)", response.body(),
                        database.latestIncomingEvents()).isEqualTo(before);
                return response;
            }
        }
    }

    private static void assertSafe(HttpResponse<String> response) {
        assertThat(response.statusCode()).as("no server error: %s", response.body()).isLessThan(500);
        String everything = response.headers().map() + "\n" + response.body();
        for (String secret : secrets) {
            assertThat(everything.contains(secret)).as("a secret in the answer").isFalse();
        }
        assertThat(everything).doesNotContain("at io.finchconnect").doesNotContain("Exception");
    }

    private static HttpRequest.Builder request(String path, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service.url(path))).timeout(Duration.ofSeconds(30));
        return bearer == null ? request : request.header("Authorization", "Bearer " + bearer);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpRequest built = request.build();
        try {
            return http.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException closedWhileIdle) {
            // The server closes a connection after some refusals (414); the client may have picked it from its
            // pool just then. Once more, on a new connection: the answer is what the properties are about.
            return http.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }
    }

    private static boolean sent(ProducerRecord<byte[], byte[]> record) throws InterruptedException {
        try {
            producer.send(record).get();
            return true;
        } catch (ExecutionException refusedByTheBroker) {
            return false;
        }
    }

    private static String signature(String eventId, long timestamp, byte[] body) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(webhookKey, "HmacSHA256"));
        mac.update(utf8(eventId + "." + timestamp + "."));
        return Base64.getEncoder().encodeToString(mac.doFinal(body));
    }

    // --- Generators ------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<String> sessionBodies() {
        Map<String, Arbitrary<JsonNode>> fields = new LinkedHashMap<>();
        fields.put("customer_id", Arbitraries.integers().between(1, 40).map(i -> NODES.textNode("hostile-customer-" + i)));
        fields.put("customer_name", Arbitraries.of("Acme", "Ünïcode GmbH", "O'Brien & Sons").map(NODES::textNode));
        fields.put("customer_email", Arbitraries.of("hr@acme.example").map(NODES::textNode));
        fields.put("products", products());
        fields.put("redirect_uri", Arbitraries.just(NODES.textNode(TestStack.REDIRECT_URI)));
        fields.put("integration", Combinators.combine(Arbitraries.of("gusto", "adp_run"), Arbitraries.of("oauth", "credential", "assisted"))
                .as((provider, method) -> NODES.objectNode().put("provider", provider).put("auth_method", method)));
        fields.put("sandbox", Arbitraries.of("finch", "provider").map(NODES::textNode));
        fields.put("manual", Arbitraries.of(true, false).map(NODES::booleanNode));
        fields.put("minutes_to_expire", Arbitraries.integers().between(1, 129_600).map(NODES::numberNode));
        fields.put("state", Arbitraries.strings().alpha().ofMaxLength(30).map(NODES::textNode));
        return HostileValues.json(HostileValues.objectWith(fields));
    }

    @Provide
    Arbitrary<String> reauthenticateBodies() {
        Map<String, Arbitrary<JsonNode>> fields = new LinkedHashMap<>();
        fields.put("connection_id", Arbitraries.of(knownConnectionId, "hostile-unknown-connection").map(NODES::textNode));
        fields.put("products", products());
        fields.put("redirect_uri", Arbitraries.just(NODES.textNode(TestStack.REDIRECT_URI)));
        fields.put("minutes_to_expire", Arbitraries.integers().between(1, 129_600).map(NODES::numberNode));
        fields.put("state", Arbitraries.strings().alpha().ofMaxLength(30).map(NODES::textNode));
        return HostileValues.json(HostileValues.objectWith(fields));
    }

    @Provide
    Arbitrary<String> authorizationBodies() {
        Map<String, Arbitrary<JsonNode>> fields = new LinkedHashMap<>();
        fields.put("code", Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(40).map(NODES::textNode));
        fields.put("customer_id", Arbitraries.integers().between(1, 40).map(i -> NODES.textNode("hostile-customer-" + i)));
        return HostileValues.json(HostileValues.objectWith(fields));
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just("application/json")),
                Tuple.of(1, Arbitraries.of("application/json; charset=ISO-8859-1", "text/plain", "application/xml",
                        "application/x-www-form-urlencoded", "application/json; charset=nonsense", "*/*", "")));
    }

    @Provide
    Arbitrary<String> pathSegments() {
        return Arbitraries.oneOf(Arbitraries.of(knownConnectionId + "-not", "hostile-unknown-connection"),
                HostileValues.strings().map(HostileInputIT::encoded),
                Arbitraries.of("%00", "%FF", "%2F", "%25", "..", ".", ";", "~", "a").list().ofMinSize(1).ofMaxSize(5)
                        .map(pieces -> String.join("", pieces)));
    }

    @Provide
    Arbitrary<String> callbackQueries() {
        Arbitrary<String> values = Arbitraries.oneOf(HostileValues.strings().map(HostileInputIT::encoded), states(),
                Arbitraries.of("%00", "%FF", "%C3%28", "%ED%A0%80", "%2525", "=", "&", "+", ";", "z").list().ofMaxSize(6)
                        .map(pieces -> String.join("", pieces)));
        Arbitrary<String> parameters = Combinators.combine(Arbitraries.of("code", "state", "error", "error_description", "other"), values)
                .as((name, value) -> name + "=" + value);
        return parameters.list().ofMaxSize(5).map(list -> String.join("&", list));
    }

    /** States of ours (fresh, expired, cut), and forged ones signed with another key. */
    private Arbitrary<String> states() {
        ConnectState forger = new ConnectState(new SecureRandom().generateSeed(32));
        Arbitrary<ConnectState.Claims> claims = Combinators.combine(Arbitraries.integers().between(1, 40),
                        Arbitraries.strings().alpha().ofMaxLength(20), Arbitraries.integers().between(-3600, 3600))
                .as((customer, callerState, expiresIn) -> ConnectState.Claims.issue("hostile-customer-" + customer, "session",
                        callerState, Instant.now().plusSeconds(expiresIn)));
        return Arbitraries.oneOf(claims.map(ourStates::seal), claims.map(forger::seal),
                        Combinators.combine(claims.map(ourStates::seal), Arbitraries.integers().between(1, 20))
                                .as((state, cut) -> state.substring(0, state.length() - cut)))
                .map(HostileInputIT::encoded);
    }

    @Provide
    Arbitrary<byte[]> webhookBodies() {
        Map<String, Arbitrary<JsonNode>> data = new LinkedHashMap<>();
        data.put("status", Arbitraries.of("reauth", "connected", "disconnected", "pending", "error_permissions").map(NODES::textNode));
        Map<String, Arbitrary<JsonNode>> fields = new LinkedHashMap<>();
        fields.put("connection_id", Arbitraries.of("hostile-unknown-connection", "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11").map(NODES::textNode));
        fields.put("company_id", Arbitraries.just(NODES.nullNode()));
        fields.put("event_type", Arbitraries.of("account.updated", "directory.created", "job.completed").map(NODES::textNode));
        fields.put("data", HostileValues.objectWith(data).map(JsonNode.class::cast));
        return Arbitraries.frequencyOf(Tuple.of(8, HostileValues.json(HostileValues.objectWith(fields)).map(HostileValues::utf8)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)));
    }

    @Provide
    Arbitrary<String> eventIds() {
        // Printable ASCII, as Finch's ids are: what other characters become in a header is up to each HTTP stack.
        return Arbitraries.oneOf(Arbitraries.strings().alpha().numeric().ofLength(20).map(id -> "msg_hostile_" + id),
                Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(300)
                        .map(id -> id + "_" + UUID.randomUUID()));
    }

    /** Finch-Event-Id, Finch-Timestamp and Finch-Signature, each missing, malformed, or right but mismatched. */
    @Provide
    Arbitrary<List<String>> signatureHeaders() {
        Arbitrary<String> eventId = Arbitraries.oneOf(eventIds(), HostileValues.headerValues()).injectNull(0.1);
        Arbitrary<String> timestamp = Arbitraries.oneOf(HostileValues.headerValues(),
                Arbitraries.longs().between(301, 100_000_000).map(skew -> String.valueOf(Instant.now().getEpochSecond() - skew)),
                Arbitraries.longs().between(301, 100_000_000).map(skew -> String.valueOf(Instant.now().getEpochSecond() + skew)),
                Arbitraries.just(String.valueOf(Instant.now().getEpochSecond()))).injectNull(0.1);
        Arbitrary<String> signature = Arbitraries.oneOf(HostileValues.headerValues(),
                Arbitraries.bytes().array(byte[].class).ofSize(32).map(mac -> "v1," + Base64.getEncoder().encodeToString(mac)),
                Combinators.combine(HostileValues.headerValues(), Arbitraries.bytes().array(byte[].class).ofSize(32))
                        .as((noise, mac) -> noise + " v1," + Base64.getEncoder().encodeToString(mac)))
                .injectNull(0.1);
        return Combinators.combine(eventId, timestamp, signature).as((id, time, sig) -> Arrays.asList(id, time, sig));
    }

    @Provide
    Arbitrary<List<ProducerRecord<byte[], byte[]>>> kafkaRecords() {
        Arbitrary<byte[]> bytes = Arbitraries.oneOf(HostileValues.strings().map(HostileValues::utf8),
                HostileValues.headerValues().map(HostileValues::utf8), Arbitraries.bytes().array(byte[].class).ofMaxSize(64));
        Arbitrary<String> headerNames = Arbitraries.oneOf(Arbitraries.of("finch-event-id", "Finch-Event-Id", "finch-timestamp",
                "FINCH-TIMESTAMP", "content-type"), Arbitraries.strings().all().ofMaxLength(10));
        Arbitrary<List<Tuple.Tuple2<String, byte[]>>> headers = Combinators.combine(headerNames, bytes.injectNull(0.1))
                .as(Tuple::of).list().ofMaxSize(4);
        Arbitrary<Long> timestamps = Arbitraries.longs().between(0, Long.MAX_VALUE).injectNull(0.5);
        Arbitrary<ProducerRecord<byte[], byte[]>> record = Combinators.combine(bytes.injectNull(0.3), headers,
                        Arbitraries.oneOf(bytes, webhookBodies()).injectNull(0.1), timestamps)
                .as((key, recordHeaders, value, timestamp) -> {
                    ProducerRecord<byte[], byte[]> hostile = new ProducerRecord<>(WEBHOOKS_TOPIC, null, timestamp, key, value);
                    recordHeaders.forEach(header -> hostile.headers().add(header.get1(), header.get2()));
                    return hostile;
                });
        return record.list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<String> bodyTargets() {
        return Arbitraries.of("/v1/connect/sessions", "/v1/connect/sessions/reauthenticate", "/v1/connect/authorizations",
                "/v1/webhooks/finch");
    }

    private static Arbitrary<JsonNode> products() {
        Arbitrary<List<String>> chosen = Arbitraries.subsetOf(PRODUCTS).ofMinSize(1).map(List::copyOf);
        return Arbitraries.oneOf(chosen.map(list -> {
            var array = NODES.arrayNode();
            list.forEach(array::add);
            return (JsonNode) array;
        }), chosen.map(list -> NODES.textNode(String.join(" ", list))));
    }

    private static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
