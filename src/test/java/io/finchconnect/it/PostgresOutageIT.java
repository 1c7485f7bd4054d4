package io.finchconnect.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.finchconnect.it.WebhookLoad.Reply;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;
import io.restassured.http.ContentType;

/**
 * PostgreSQL stopped and restarted under load: while it is down every request is answered fast with 503
 * problem+json (never a 500, never a hang) and readiness is DOWN; once it is back the same process serves
 * 2xx again by itself, and nothing is half-written: every webhook answered 2xx is in the inbox and processed
 * with Finch's answer, each connection ends in Finch's status, every transition has its event and every event
 * its transition, all delivered in order. The load changes statuses at Finch (the simulator) and sends the
 * webhooks as hints, again until answered 2xx as Finch retries; one transition per webhook no longer holds by
 * design (the service applies what introspection gives), one event per transition does.
 * <p>
 * Finch events arrive on Kafka too, before, during and after the outage, which lasts longer than the Kafka
 * connector allows a record to go unacknowledged before it closes the consumer for good (shortened here from its
 * minute to 3 s, checked every second): the ingress holds the batch it could not store, takes nothing more from
 * Kafka meanwhile (its paused gauge says so), and stores it once PostgreSQL is back; the same process, live
 * throughout (polled as the kubelet does), applies every one of those events.
 */
class PostgresOutageIT {

    private static final Logger LOG = Logger.getLogger(PostgresOutageIT.class);
    private static final int CONNECTIONS = 300;
    private static final int CLIENTS = 6;
    private static final int EVENTS_PER_PHASE = 10;
    private static final Duration OUTAGE = Duration.ofSeconds(10);
    private static final Pattern PAUSED = Pattern.compile("(?m)^finch_webhooks_ingress_paused(?:\\{[^}]*})? ([0-9.]+)$");
    /** A failure must come this fast: a loaded 2-core machine is slow, a request queued behind a dead pool is 30 s. */
    private static final long FAST_MILLIS = 3_000;
    private static final Duration RECOVERY = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void whilePostgresIsDownRequestsFailFastWith503TheKafkaIngressWaitsAndTheServiceRecoversByItself() throws Exception {
        ConnectionLedger ledger = new ConnectionLedger();
        String run = UUID.randomUUID().toString();
        String topic = "finch.webhooks.pg-outage-" + run;
        createTopic(topic);
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("OUTBOX_BACKOFF_MAX", "2s");
        environment.put("FINCH_WEBHOOKS_TOPIC", topic);
        environment.put("FINCH_WEBHOOKS_GROUP_ID", "pg-outage-" + run);
        // The connector's own attributes, not settings of the service: the throttled commit strategy's limit on an
        // unacknowledged record, a minute by default, and how often it checks, so the outage outlasts the limit.
        // System properties: as environment variables the channel's name would be read as "finch".
        List<String> jvmOptions = new ArrayList<>(ServiceProcess.JVM_OPTIONS);
        jvmOptions.add("-Dmp.messaging.incoming.finch-webhooks.throttled.unprocessed-record-max-age.ms=3000");
        jvmOptions.add("-Dmp.messaging.incoming.finch-webhooks.auto.commit.interval.ms=1000");
        List<String> connections = ledger.insertConnected("pg-outage", CONNECTIONS);
        List<String> ingressConnections = ledger.insertConnected("ingress-outage", 3 * EVENTS_PER_PHASE);
        List<String> eventIds = new ArrayList<>();
        List<Reply> replies;
        long stoppedAt;
        long restartingAt;
        long restartedAt;
        try (ServiceProcess service = ServiceProcess.start(environment, "postgres-outage", jvmOptions).awaitReady();
             KafkaProducer<String, byte[]> producer = producer();
             LivenessWatch liveness = new LivenessWatch(service)) {
            try (WebhookLoad load = WebhookLoad.start(service.url(""), TestStack.get().config().get("finch.webhook-secrets"),
                    connections, CLIENTS, Integer.MAX_VALUE)) {
                for (String connectionId : ingressConnections.subList(0, EVENTS_PER_PHASE)) {
                    eventIds.add(changeStatusAndPublish(producer, topic, connectionId));
                }
                Awaitility.await("Kafka events before the outage applied").atMost(Duration.ofSeconds(60))
                        .until(() -> applied(ledger, eventIds) == EVENTS_PER_PHASE);
                load.awaitReplies(Reply::accepted, 150, Duration.ofSeconds(60));
                long stopping = System.nanoTime();
                boolean down = true;
                try {
                    TestStack.get().postgres().stop();
                    stoppedAt = System.nanoTime();
                    LOG.infof("PostgreSQL stopped in %d ms", Duration.ofNanos(stoppedAt - stopping).toMillis());
                    for (String connectionId : ingressConnections.subList(EVENTS_PER_PHASE, 2 * EVENTS_PER_PHASE)) {
                        eventIds.add(changeStatusAndPublish(producer, topic, connectionId));
                    }
                    Awaitility.await("readiness DOWN").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                            .until(() -> get(service, "/q/health/ready") == 503);
                    load.awaitReplies(reply -> reply.sentAtNanos() > stoppedAt && reply.status() == 503, 20, OUTAGE);
                    Thread.sleep(Math.max(0, OUTAGE.minusNanos(System.nanoTime() - stoppedAt).toMillis()));
                    assertThat(liveness.failures()).as("liveness while PostgreSQL was down").isEmpty();
                    assertThat(paused(service)).as("the Kafka ingress, holding what it could not store").isOne();
                    restartingAt = System.nanoTime();
                    TestStack.get().postgres().start();
                    down = false;
                    restartedAt = System.nanoTime();
                } finally {
                    if (down) {
                        TestStack.get().postgres().start();
                    }
                }
                for (String connectionId : ingressConnections.subList(2 * EVENTS_PER_PHASE, 3 * EVENTS_PER_PHASE)) {
                    eventIds.add(changeStatusAndPublish(producer, topic, connectionId));
                }
                load.awaitReplies(reply -> reply.sentAtNanos() > restartedAt && reply.accepted(), 1, RECOVERY);
                LOG.infof("2xx again %d ms after PostgreSQL was back", Duration.ofNanos(System.nanoTime() - restartedAt).toMillis());
                Awaitility.await("readiness UP again").atMost(RECOVERY).ignoreExceptions()
                        .until(() -> get(service, "/q/health/ready") == 200);
                load.awaitReplies(reply -> reply.sentAtNanos() > restartedAt && reply.accepted(), 100, Duration.ofSeconds(60));
                load.stop();
                load.deliverOutstanding(service.url(""), Duration.ofSeconds(60));
                replies = load.replies();
            }
            assertFastUnavailabilityWhileDown(replies, stoppedAt, restartingAt);
            DeliveryAudit.assertEveryAcceptedHintProcessed(ledger, replies, Duration.ofSeconds(90));
            DeliveryAudit.assertStatusesAreFinchs(ledger, connections);
            DeliveryAudit.assertNothingHalfWritten(ledger, connections);
            DeliveryAudit.assertEveryEventDeliveredInOrder(ledger, connections, Duration.ofSeconds(60));

            Awaitility.await("every Kafka event applied").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> applied(ledger, eventIds) == eventIds.size());
            assertThat(ledger.statuses(ingressConnections)).as("each connection in Finch's status").hasSize(ingressConnections.size())
                    .allSatisfy((connectionId, status) -> assertThat(status).as(connectionId).isEqualTo("reauth"));
            assertThat(paused(service)).as("the Kafka ingress after the outage").isZero();
            assertThat(service.exitsWithin(Duration.ZERO)).as("the same process throughout").isFalse();
            assertThat(liveness.failures()).as("liveness throughout").isEmpty();
            assertThat(liveness.polls()).as("liveness polls").isGreaterThan(20);
        }
    }

    private static void assertFastUnavailabilityWhileDown(List<Reply> replies, long stoppedAt, long restartingAt) {
        List<Reply> whileDown = replies.stream().filter(reply -> reply.sentBetween(stoppedAt, restartingAt)).toList();
        LOG.infof("%d requests while PostgreSQL was down, slowest %d ms", whileDown.size(),
                whileDown.stream().mapToLong(Reply::millis).max().orElse(0));
        assertThat(whileDown).as("requests while PostgreSQL was down").hasSizeGreaterThanOrEqualTo(20)
                .allSatisfy(reply -> {
                    assertThat(reply.status()).as("%s", reply).isEqualTo(503);
                    assertThat(reply.contentType()).as("%s", reply).startsWith("application/problem+json");
                    assertThat(reply.body()).as("%s", reply).contains("service-unavailable");
                    assertThat(reply.millis()).as("%s", reply).isLessThan(FAST_MILLIS);
                });
        assertThat(replies).as("never a 500 or a hang, however the outage cut a request")
                .allSatisfy(reply -> assertThat(reply.status()).as("%s", reply).isIn(200, 503))
                .filteredOn(reply -> reply.status() == 503)
                .allSatisfy(reply -> assertThat(reply.millis()).as("%s", reply).isLessThan(FAST_MILLIS));
    }

    private int get(ServiceProcess service, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(service.managementUrl(path))).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestStack.get().config().get("kafka.bootstrap.servers")))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestStack.get().config().get("kafka.bootstrap.servers")),
                new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Sets the connection to reauth at Finch (the simulator), its own delivery dropped, and publishes the event as
     * the edge would; returns the event id.
     */
    private static String changeStatusAndPublish(KafkaProducer<String, byte[]> producer, String topic, String connectionId)
            throws Exception {
        String eventId = given().baseUri(TestStack.get().finchBaseUrl()).contentType(ContentType.JSON)
                .body(Map.of("status", "reauth", "delivery", "drop"))
                .post("/_control/connections/" + connectionId + "/status").then().statusCode(200).extract().path("event_id");
        String body = """
                {"connection_id":"%s","event_type":"account.updated","data":{"status":"reauth"}}""".formatted(connectionId);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, connectionId, body.getBytes(StandardCharsets.UTF_8));
        record.headers().add("finch-event-id", eventId.getBytes(StandardCharsets.UTF_8));
        record.headers().add("finch-timestamp", String.valueOf(Instant.now().getEpochSecond()).getBytes(StandardCharsets.UTF_8));
        producer.send(record).get(30, TimeUnit.SECONDS);
        return eventId;
    }

    private static long applied(ConnectionLedger ledger, List<String> eventIds) throws Exception {
        return ledger.inbox(eventIds).values().stream().filter(row -> !row.pending() && "applied".equals(row.outcome())).count();
    }

    private int paused(ServiceProcess service) throws Exception {
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(service.managementUrl("/q/metrics")))
                .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher gauge = PAUSED.matcher(metrics.body());
        if (!gauge.find()) {
            throw new AssertionError("no finch_webhooks_ingress_paused in /q/metrics");
        }
        return (int) Double.parseDouble(gauge.group(1));
    }

    /**
     * Polls /q/health/live every 250 ms with the kubelet's 3 s timeout and keeps what would make the kubelet restart
     * the pod: any answer but 200, and three polls in a row unanswered (one now and then is the loaded machine).
     */
    private static final class LivenessWatch implements AutoCloseable {

        private static final int UNANSWERED_IN_A_ROW = 3;

        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();
        private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
        private final List<String> failures = new CopyOnWriteArrayList<>();
        private final List<String> unanswered = new ArrayList<>();
        private volatile int polls;

        LivenessWatch(ServiceProcess service) {
            URI live = URI.create(service.managementUrl("/q/health/live"));
            poller.scheduleWithFixedDelay(() -> {
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(live).timeout(Duration.ofSeconds(3)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    unanswered.clear();
                    if (response.statusCode() != 200) {
                        failures.add(Instant.now() + " " + response.statusCode() + " " + response.body());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    unanswered.add(Instant.now() + " " + e);
                    if (unanswered.size() == UNANSWERED_IN_A_ROW) {
                        failures.add(String.join(", ", unanswered));
                    }
                }
                polls++;
            }, 0, 250, TimeUnit.MILLISECONDS);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        int polls() {
            return polls;
        }

        @Override
        public void close() throws InterruptedException {
            poller.shutdownNow();
            poller.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
