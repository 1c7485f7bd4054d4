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
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * PostgreSQL stopped and restarted under load: while it is down every request is answered fast with 503
 * problem+json (never a 500, never a hang) and readiness is DOWN; once it is back the same process serves
 * 2xx again by itself, and nothing is half-written: every webhook answered 2xx is in the inbox and processed
 * with Finch's answer, each connection ends in Finch's status, every transition has its event and every event
 * its transition, all delivered in order. The load changes statuses at Finch (the simulator) and sends the
 * webhooks as hints, again until answered 2xx as Finch retries; one transition per webhook no longer holds by
 * design (the service applies what introspection gives), one event per transition does.
 */
class PostgresOutageIT {

    private static final Logger LOG = Logger.getLogger(PostgresOutageIT.class);
    private static final int CONNECTIONS = 300;
    private static final int CLIENTS = 6;
    private static final Duration OUTAGE = Duration.ofSeconds(10);
    /** A failure must come this fast: a loaded 2-core machine is slow, a request queued behind a dead pool is 30 s. */
    private static final long FAST_MILLIS = 3_000;
    private static final Duration RECOVERY = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void whilePostgresIsDownRequestsFailFastWith503AndTheServiceRecoversByItself() throws Exception {
        ConnectionLedger ledger = new ConnectionLedger();
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("OUTBOX_BACKOFF_MAX", "2s");
        List<String> connections;
        List<Reply> replies;
        long stoppedAt;
        long restartingAt;
        long restartedAt;
        try (ServiceProcess service = ServiceProcess.start(environment, "postgres-outage").awaitReady()) {
            connections = ledger.insertConnected("pg-outage", CONNECTIONS);
            try (WebhookLoad load = WebhookLoad.start(service.url(""), TestStack.get().config().get("finch.webhook-secrets"),
                    connections, CLIENTS, Integer.MAX_VALUE)) {
                load.awaitReplies(Reply::accepted, 150, Duration.ofSeconds(60));
                long stopping = System.nanoTime();
                boolean down = true;
                try {
                    TestStack.get().postgres().stop();
                    stoppedAt = System.nanoTime();
                    LOG.infof("PostgreSQL stopped in %d ms", Duration.ofNanos(stoppedAt - stopping).toMillis());
                    Awaitility.await("readiness DOWN").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                            .until(() -> get(service, "/q/health/ready") == 503);
                    load.awaitReplies(reply -> reply.sentAtNanos() > stoppedAt && reply.status() == 503, 20, OUTAGE);
                    Thread.sleep(Math.max(0, OUTAGE.minusNanos(System.nanoTime() - stoppedAt).toMillis()));
                    restartingAt = System.nanoTime();
                    TestStack.get().postgres().start();
                    down = false;
                    restartedAt = System.nanoTime();
                } finally {
                    if (down) {
                        TestStack.get().postgres().start();
                    }
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
}
