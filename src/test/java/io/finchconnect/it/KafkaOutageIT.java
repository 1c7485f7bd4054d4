package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.finchconnect.it.WebhookLoad.Reply;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * The Kafka broker stopped for 20 s under load and started again: no request fails or slows down for it, the
 * instance stays ready throughout (readiness never depends on Kafka), the alert's metric (the age of the
 * oldest unsent outbox row) rises while the broker is away and falls once it is back, and every transition's
 * event arrives, per connection in commit order. The load changes statuses at Finch (the simulator) and sends
 * the webhooks as hints; since the service applies what Finch's introspection gives, several hints of one
 * connection may make one transition: the property is no longer one event per webhook but one event per
 * transition the service made, each connection ending in Finch's status, those made during the outage among them.
 */
class KafkaOutageIT {

    private static final Logger LOG = Logger.getLogger(KafkaOutageIT.class);
    private static final int CONNECTIONS = 200;
    private static final int CLIENTS = 6;
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    @Test
    void requestsSucceedWhileKafkaIsDownAndEveryEventArrivesInOrderAfter() throws Exception {
        ConnectionLedger ledger = new ConnectionLedger();
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("OUTBOX_BACKOFF_MAX", "2s");
        environment.put("OUTBOX_STATS_INTERVAL", "1s");
        try (ServiceProcess service = ServiceProcess.start(environment, "kafka-outage").awaitReady()) {
            List<String> connections = ledger.insertConnected("kafka-outage", CONNECTIONS);
            List<Reply> replies;
            double oldestAgeWhileDown = 0;
            long stoppedAt;
            long restartingAt;
            long unsentDuringOutage;
            try (WebhookLoad load = WebhookLoad.start(service.url(""), TestStack.get().config().get("finch.webhook-secrets"),
                    connections, CLIENTS, Integer.MAX_VALUE)) {
                load.awaitReplies(Reply::accepted, 150, Duration.ofSeconds(60));
                boolean down = true;
                try {
                    TestStack.get().kafka().stop();
                    stoppedAt = System.nanoTime();
                    load.awaitReplies(reply -> reply.sentAtNanos() > stoppedAt && reply.accepted(), 100, OUTAGE);
                    while (System.nanoTime() - stoppedAt < OUTAGE.toNanos()) {
                        assertThat(status(service, "/q/health/ready")).as("readiness with Kafka down").isEqualTo(200);
                        oldestAgeWhileDown = Math.max(oldestAgeWhileDown, oldestPendingAge(service));
                        Thread.sleep(500);
                    }
                    unsentDuringOutage = ledger.outbox(connections).stream().filter(row -> !row.sent()).count();
                    assertThat(unsentDuringOutage).as("events waiting for the broker").isPositive();
                    restartingAt = System.nanoTime();
                    TestStack.get().kafka().start();
                    down = false;
                } finally {
                    if (down) {
                        TestStack.get().kafka().start();
                    }
                }
                long restartedAt = System.nanoTime();
                load.awaitReplies(reply -> reply.sentAtNanos() > restartedAt && reply.accepted(), 100, Duration.ofSeconds(60));
                replies = load.stop();
            }

            List<Reply> whileDown = replies.stream().filter(reply -> reply.sentBetween(stoppedAt, restartingAt)).toList();
            LOG.infof("%d requests while Kafka was down, slowest %d ms; %d in all", whileDown.size(),
                    whileDown.stream().mapToLong(Reply::millis).max().orElse(0), replies.size());
            assertThat(whileDown).as("requests while Kafka was down").hasSizeGreaterThanOrEqualTo(100);
            // Every webhook is the first delivery of a new change at Finch, so each request is accepted.
            // A request that waited on the broker would take the producer's 30 s or more.
            assertThat(replies).as("Kafka down fails and holds up no request").allSatisfy(reply -> {
                assertThat(reply.accepted()).as("%s", reply).isTrue();
                assertThat(reply.millis()).as("%s", reply).isLessThan(10_000);
            });

            assertThat(oldestAgeWhileDown).as("the alert's metric rose while Kafka was down").isGreaterThan(10);
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> oldestPendingAge(service) < 5);
            assertThat(status(service, "/q/health/ready")).isEqualTo(200);

            DeliveryAudit.assertEveryAcceptedHintProcessed(ledger, replies, Duration.ofSeconds(90));
            DeliveryAudit.assertStatusesAreFinchs(ledger, connections);
            long transitions = DeliveryAudit.assertNothingHalfWritten(ledger, connections);
            List<Event> events = DeliveryAudit.assertEveryEventDeliveredInOrder(ledger, connections, Duration.ofSeconds(90));
            LOG.infof("%d transitions, %d events (%d unsent during the outage), %d deliveries", transitions,
                    ledger.outbox(connections).size(), unsentDuringOutage, events.size());
            assertThat(events.stream().map(Event::ceId).distinct().count()).as("events, those of the outage among them")
                    .isEqualTo(ledger.outbox(connections).size())
                    .isGreaterThanOrEqualTo(transitions)
                    .isGreaterThanOrEqualTo(unsentDuringOutage);
        }
    }

    private static int status(ServiceProcess service, String path) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create(service.managementUrl(path)))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static double oldestPendingAge(ServiceProcess service) throws Exception {
        String metrics = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create(service.managementUrl("/q/metrics")))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(line -> line.startsWith("outbox_oldest_pending_age_seconds "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no outbox_oldest_pending_age_seconds in /q/metrics"));
    }
}
