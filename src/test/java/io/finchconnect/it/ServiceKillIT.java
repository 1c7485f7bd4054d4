package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.finchconnect.it.ConnectionLedger.OutboxRow;
import io.finchconnect.it.WebhookLoad.Reply;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.SimulatedConnections;
import io.finchconnect.testing.TestStack;

/**
 * The service killed with kill -9 under load (status webhooks, and embedded-flow code exchanges with the Finch
 * simulator), then a new process started on the same database and broker: every webhook that was answered 2xx
 * is in the inbox and processed by the new process with Finch's answer, each connection ends in Finch's status
 * with one event per transition, every exchange answered 2xx has its connection and its event; events may come
 * twice, with the same ce_id, and none is missing. The load changes statuses at Finch (the simulator) and sends
 * the webhooks as hints; those the kill cut off reach the new process, as Finch retries them.
 */
class ServiceKillIT {

    private static final Logger LOG = Logger.getLogger(ServiceKillIT.class);
    private static final int CONNECTIONS = 200;
    private static final int CLIENTS = 5;
    private static final int CUSTOMERS = 150;
    private static final Pattern CONNECTION_ID = Pattern.compile("\"connection_id\"\\s*:\\s*\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyRequestAnswered2xxBeforeAKill9HasItsStateAndItsEvent() throws Exception {
        ConnectionLedger ledger = new ConnectionLedger();
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("OUTBOX_BACKOFF_MAX", "2s");
        // What the killed instance held, the new one waits out: leases of 15 s instead of production's minutes, the
        // same code path, so the test waits for the expiry it checks and not for the length of a production lease.
        environment.put("INBOX_LEASE", "15s");
        environment.put("REAUTH_LEASE", "15s");
        // Enough customers authorized at Finch that the exchanges are still going when the kill comes; prepared at
        // the simulator while the service starts.
        List<String> customers = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            customers.add("kill-" + UUID.randomUUID());
        }
        CompletableFuture<Map<String, String>> authorized = CompletableFuture.supplyAsync(() -> {
            Map<String, String> prepared = new LinkedHashMap<>();
            customers.forEach(customerId -> prepared.put(customerId, SimulatedConnections.codeAuthorizedAtFinch(customerId)));
            return prepared;
        });
        List<String> connections;
        List<Reply> replies;
        WebhookLoad load;
        Map<String, String> established = new ConcurrentHashMap<>();
        List<Integer> exchangeStatuses = Collections.synchronizedList(new ArrayList<>());
        Map<String, String> codes;
        try (ServiceProcess first = ServiceProcess.start(environment, "kill-first").awaitReady()) {
            codes = authorized.get(60, TimeUnit.SECONDS);
            connections = ledger.insertConnected("service-kill", CONNECTIONS);
            AtomicBoolean exchanging = new AtomicBoolean(true);
            ExecutorService exchanges = Executors.newSingleThreadExecutor();
            load = WebhookLoad.start(first.url(""), TestStack.get().config().get("finch.webhook-secrets"),
                    connections, CLIENTS, Integer.MAX_VALUE);
            try {
                exchanges.submit(() -> codes.forEach((customerId, code) -> {
                    if (exchanging.get()) {
                        exchange(first, customerId, code, established, exchangeStatuses);
                    }
                }));
                load.awaitReplies(Reply::accepted, 200, Duration.ofSeconds(60));
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> established.size() >= 25);
                first.kill9();
                LOG.infof("killed the service after %d webhooks answered and %d connections established",
                        load.count(Reply::ok), established.size());
                exchanging.set(false);
                load.stop();
                replies = load.replies();
            } finally {
                exchanges.shutdown();
                assertThat(exchanges.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }
        }
        assertThat(exchangeStatuses).as("every exchange answered before the kill").containsOnly(201).hasSizeLessThan(CUSTOMERS);
        assertThat(replies).as("answered before the kill").filteredOn(Reply::accepted).hasSizeGreaterThanOrEqualTo(200);

        try (ServiceProcess second = ServiceProcess.start(environment, "kill-second").awaitReady()) {
            // Finch retries what the kill cut off; those deliveries reach the new process.
            load.deliverOutstanding(second.url(""), Duration.ofSeconds(120));
            load.close();
            replies = load.replies();
            DeliveryAudit.assertEveryAcceptedHintProcessed(ledger, replies, Duration.ofSeconds(120));
            DeliveryAudit.assertStatusesAreFinchs(ledger, connections);
            DeliveryAudit.assertNothingHalfWritten(ledger, connections);
            Map<String, String> connectionsOfCustomers = ledger.connectionsOfCustomers(codes.keySet());
            assertThat(connectionsOfCustomers).as("every 2xx exchange stored its connection").containsAllEntriesOf(established);
            Set<String> establishedKeys = connectionsOfCustomers.keySet();
            Map<String, List<String>> typesPerKey = ledger.outbox(establishedKeys).stream().collect(
                    Collectors.groupingBy(OutboxRow::key, Collectors.mapping(OutboxRow::type, Collectors.toList())));
            assertThat(establishedKeys).as("no connection without its event").allSatisfy(key ->
                    assertThat(typesPerKey.get(key)).as(key).containsExactly("finch.connection.established"));

            List<String> keys = new ArrayList<>(connections);
            keys.addAll(establishedKeys);
            List<Event> events = DeliveryAudit.assertEveryEventDeliveredInOrder(ledger, keys, Duration.ofSeconds(90));
            LOG.infof("%d deliveries of %d events after the kill", events.size(),
                    events.stream().map(Event::ceId).distinct().count());
        }
    }

    private void exchange(ServiceProcess service, String customerId, String code, Map<String, String> established,
                          List<Integer> statuses) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(service.url("/v1/connect/authorizations")))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TestStack.get().jwt().token("sessions:write"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"code\":\"%s\",\"customer_id\":\"%s\"}".formatted(code, customerId)))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            statuses.add(response.statusCode());
            Matcher connectionId = CONNECTION_ID.matcher(response.body());
            if (response.statusCode() == 201 && connectionId.find()) {
                established.put(connectionId.group(1), customerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // cut off by the kill: not answered, so nothing is owed for it
        }
    }
}
