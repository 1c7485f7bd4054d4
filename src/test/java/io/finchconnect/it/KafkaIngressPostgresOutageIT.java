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

import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;
import io.restassured.http.ContentType;

/**
 * PostgreSQL stopped while Finch events arrive on Kafka, for longer than the Kafka connector allows a record to go
 * unacknowledged before it closes the consumer for good (shortened here from its minute to 3 s, checked every
 * second): the ingress holds the batch it could not store, takes nothing more from Kafka meanwhile, and stores
 * it once PostgreSQL is back; the same process, live throughout (polled as the kubelet does), then applies every
 * event produced before, during and after the outage.
 */
class KafkaIngressPostgresOutageIT {

    private static final Logger LOG = Logger.getLogger(KafkaIngressPostgresOutageIT.class);
    private static final int EVENTS_PER_PHASE = 10;
    private static final Duration OUTAGE = Duration.ofSeconds(12);
    private static final Pattern PAUSED = Pattern.compile("(?m)^finch_webhooks_ingress_paused(?:\\{[^}]*})? ([0-9.]+)$");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void theIngressWaitsOutAPostgresOutageWithoutLosingARecordOrItsLiveness() throws Exception {
        ConnectionLedger ledger = new ConnectionLedger();
        String run = UUID.randomUUID().toString();
        String topic = "finch.webhooks.pg-outage-" + run;
        createTopic(topic);
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        List<String> connections = ledger.insertConnected("ingress-outage", 3 * EVENTS_PER_PHASE);
        environment.put("FINCH_WEBHOOKS_TOPIC", topic);
        environment.put("FINCH_WEBHOOKS_GROUP_ID", "pg-outage-" + run);
        // The connector's own attributes, not settings of the service: the throttled commit strategy's limit on an
        // unacknowledged record, a minute by default, and how often it checks, so the outage outlasts the limit.
        // System properties: as environment variables the channel's name would be read as "finch".
        List<String> jvmOptions = List.of("-Xmx256m",
                "-Dmp.messaging.incoming.finch-webhooks.throttled.unprocessed-record-max-age.ms=3000",
                "-Dmp.messaging.incoming.finch-webhooks.auto.commit.interval.ms=1000");
        List<String> eventIds = new ArrayList<>();
        try (ServiceProcess service = ServiceProcess.start(environment, "ingress-pg-outage", jvmOptions).awaitReady();
             KafkaProducer<String, byte[]> producer = producer();
             LivenessWatch liveness = new LivenessWatch(service)) {
            for (String connectionId : connections.subList(0, EVENTS_PER_PHASE)) {
                eventIds.add(changeStatusAndPublish(producer, topic, connectionId));
            }
            Awaitility.await("events before the outage applied").atMost(Duration.ofSeconds(60))
                    .until(() -> applied(ledger, eventIds) == EVENTS_PER_PHASE);

            boolean down = true;
            try {
                TestStack.get().postgres().stop();
                long stoppedAt = System.nanoTime();
                for (String connectionId : connections.subList(EVENTS_PER_PHASE, 2 * EVENTS_PER_PHASE)) {
                    eventIds.add(changeStatusAndPublish(producer, topic, connectionId));
                }
                Awaitility.await("PostgreSQL down for " + OUTAGE.toSeconds() + " s").atMost(OUTAGE.plusSeconds(5))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> System.nanoTime() - stoppedAt >= OUTAGE.toNanos() || !liveness.failures().isEmpty());
                assertThat(liveness.failures()).as("liveness while PostgreSQL was down").isEmpty();
                assertThat(paused(service)).as("the ingress, holding what it could not store").isOne();
                TestStack.get().postgres().start();
                down = false;
                LOG.infof("PostgreSQL back after %d ms", Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis());
            } finally {
                if (down) {
                    TestStack.get().postgres().start();
                }
            }
            for (String connectionId : connections.subList(2 * EVENTS_PER_PHASE, 3 * EVENTS_PER_PHASE)) {
                eventIds.add(changeStatusAndPublish(producer, topic, connectionId));
            }

            Awaitility.await("every event applied").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> applied(ledger, eventIds) == eventIds.size());
            assertThat(ledger.statuses(connections)).as("each connection in Finch's status").hasSize(connections.size())
                    .allSatisfy((connectionId, status) -> assertThat(status).as(connectionId).isEqualTo("reauth"));
            assertThat(paused(service)).as("the ingress after the outage").isZero();
            assertThat(service.exitsWithin(Duration.ZERO)).as("the same process throughout").isFalse();
            assertThat(liveness.failures()).as("liveness throughout").isEmpty();
            assertThat(liveness.polls()).as("liveness polls").isGreaterThan(20);
        }
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
