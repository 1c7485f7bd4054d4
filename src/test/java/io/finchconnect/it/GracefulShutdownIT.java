package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.finchconnect.it.WebhookLoad.Reply;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * SIGTERM in the middle of load: readiness turns DOWN first, and every webhook the service accepted is in the
 * inbox and processed with Finch's answer, each connection ends in Finch's status with the event of each
 * transition; nothing half-written, nothing lost. A second instance works off what the first left pending and
 * relays what it could not publish before it stopped; the webhooks the first refused while stopping reach the
 * second, as Finch retries them. The load changes statuses at Finch (the simulator) and sends the webhooks as hints.
 */
class GracefulShutdownIT {

    private static final int CONNECTIONS = 600;
    private static final int CLIENTS = 8;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aShutdownUnderLoadLosesNoAcceptedRequestAndNoEvent() throws Exception {
        ConnectionLedger ledger = new ConnectionLedger();
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("SHUTDOWN_DELAY", "2s");
        List<String> connections;
        List<Reply> replies;
        try (ServiceProcess first = ServiceProcess.start(environment, "shutdown-first").awaitReady()) {
            connections = ledger.insertConnected("shutdown", CONNECTIONS);
            long idleRss = ServiceProcess.rssKib(first.pid());
            AtomicLong peakRss = new AtomicLong(idleRss);
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(ServiceProcess.rssKib(first.pid()), Math::max), 0, 200,
                    TimeUnit.MILLISECONDS);
            try (WebhookLoad load = WebhookLoad.start(first.url(""), TestStack.get().config().get("finch.webhook-secrets"),
                    connections, CLIENTS, 1)) {
                load.awaitReplies(Reply::accepted, 300, Duration.ofSeconds(60));
                sampler.shutdownNow();
                recordMemory(idleRss, peakRss.get(), load.count(Reply::ok));
                int logBeforeStop = first.output().length();
                new ProcessBuilder("kill", "-TERM", String.valueOf(first.pid())).start().waitFor();
                Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                        .until(() -> get(first, "/q/health/ready") == 503);
                assertThat(first.exitsWithin(Duration.ofSeconds(40))).as("stops within the grace period").isTrue();
                assertThat(problemsLogged(first.output().substring(logBeforeStop)))
                        .as("WARN and ERROR lines after SIGTERM").isEmpty();
                // What the first instance held must not wait out a lease or a retry delay on the next one.
                assertThat(ledger.heldBeyond(connections, Duration.ofSeconds(5)))
                        .as("work the first instance left held beyond the next few seconds").isEmpty();
                load.stop();
                assertThat(load.replies()).filteredOn(Reply::accepted).hasSizeGreaterThanOrEqualTo(300);
                try (ServiceProcess second = ServiceProcess.start(environment, "shutdown-second").awaitReady()) {
                    load.deliverOutstanding(second.url(""), Duration.ofSeconds(120));
                    replies = load.replies();
                    DeliveryAudit.assertEveryAcceptedHintProcessed(ledger, replies, Duration.ofSeconds(120));
                    DeliveryAudit.assertStatusesAreFinchs(ledger, connections);
                    DeliveryAudit.assertNothingHalfWritten(ledger, connections);
                    DeliveryAudit.assertEveryEventDeliveredInOrder(ledger, connections, Duration.ofSeconds(90));
                }
            }
        }
    }

    /**
     * The WARN and ERROR lines of a log (JSON lines), but for Kafka's client reporting that the events topic is
     * being created (the relay's first publish can fall just after SIGTERM, and the client retries by itself) and
     * Netty's acceptor failing to register a connection that arrived as Vert.x closed its event loops (the
     * client's connection is closed unanswered, and Finch, like the load here, sends its webhook again; it
     * failed one CI-like run). Anything else (a round cut off by the shutdown, a batch left in flight, a failed
     * rollback) is a problem.
     */
    private static List<String> problemsLogged(String log) {
        return log.lines()
                .filter(line -> line.contains("\"level\":\"WARN\"") || line.contains("\"level\":\"ERROR\""))
                .filter(line -> !(line.contains("\"loggerName\":\"org.apache.kafka.clients.NetworkClient\"")
                        && line.contains("UNKNOWN_TOPIC_OR_PARTITION")))
                .filter(line -> !(line.contains("\"loggerName\":\"io.netty.bootstrap.ServerBootstrap\"")
                        && line.contains("Failed to register an accepted channel")))
                .toList();
    }

    /** The figures deploy/ sizes the container by (heap as in the Deployment: 256 MiB). */
    private static void recordMemory(long idleKib, long peakKib, long accepted) throws java.io.IOException {
        String line = "service RSS with -Xmx256m: idle %d MiB, peak %d MiB under %d clients (%d webhooks accepted)%n"
                .formatted(idleKib / 1024, peakKib / 1024, CLIENTS, accepted);
        Files.writeString(Path.of("target", "it-logs", "memory.txt"), line);
        Logger.getLogger(GracefulShutdownIT.class).info(line.trim());
    }

    private int get(ServiceProcess service, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(service.managementUrl(path))).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
