package io.finchconnect.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.testing.FinchAuthorizations;
import io.finchconnect.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Connections that exist at the Finch simulator ({@link FinchAuthorizations}) and, as {@code connected}, in the
 * service's database with their access token sealed as
 * the service seals it: the inbox processor introspects each one with its own token, and the reauth sweeper
 * asks Finch for a reauthentication session, so Finch must know the connection as it would in production.
 * Thousands of them, {@value #IN_FLIGHT} calls at a time over an asynchronous client: the simulator's control
 * calls are written here rather than through the tests' one-at-a-time {@code testing.Finch}.
 */
final class KnownConnections {

    private static final int IN_FLIGHT = 32;

    private KnownConnections() {
    }

    static List<String> create(Vertx vertx, TestStack stack, int count) throws Exception {
        List<FinchAuthorizations.Authorized> created = FinchAuthorizations.authorize(vertx, stack, "bench", count);
        store(stack.config(), created);
        return created.stream().map(FinchAuthorizations.Authorized::connectionId).toList();
    }

    /**
     * Sets each connection's status at the simulator without a webhook (delivery {@code drop}): what the inbox
     * processor will learn when it introspects, whatever the webhooks of the burst say.
     */
    static void setStatusesAtFinch(Vertx vertx, TestStack stack, Map<String, String> statuses) {
        java.net.URI finch = java.net.URI.create(stack.finchBaseUrl());
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setDefaultHost(finch.getHost()).setDefaultPort(finch.getPort()), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
        List<Map.Entry<String, String>> entries = new ArrayList<>(statuses.entrySet());
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            CompletableFuture<Void> worker = new CompletableFuture<>();
            setNext(client, entries, next, worker);
            workers.add(worker);
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
        client.close();
    }

    private static void setNext(HttpClient client, List<Map.Entry<String, String>> entries, AtomicInteger next,
                                CompletableFuture<Void> worker) {
        int i = next.getAndIncrement();
        if (i >= entries.size()) {
            worker.complete(null);
            return;
        }
        Map.Entry<String, String> entry = entries.get(i);
        FinchAuthorizations.postJson(client, new RequestOptions().setURI("/_control/connections/" + entry.getKey() + "/status"),
                new JsonObject().put("status", entry.getValue()).put("delivery", "drop"))
                .onSuccess(ignored -> setNext(client, entries, next, worker))
                .onFailure(worker::completeExceptionally);
    }

    private static void store(Map<String, String> config, List<FinchAuthorizations.Authorized> created) throws Exception {
        try (Connection db = DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"))) {
            db.setAutoCommit(false);
            try (PreparedStatement customer = db.prepareStatement(
                    "INSERT INTO customers (customer_id, customer_name) VALUES (?, 'Bench')");
                 // Reconciled an hour ago, next due in a day: the reconciler leaves them alone during the benchmark,
                 // so every transition comes from the inbox.
                 PreparedStatement connection = db.prepareStatement("INSERT INTO connections (connection_id, customer_id, "
                         + "status, status_changed_at, company_id, provider_id, products, token_key_id, token_ciphertext, "
                         + "token_format, connected_at, reconcile_due_at) VALUES (?, ?, 'connected', now() - interval '1 hour', ?, ?, "
                         + "'{company,directory}', ?, ?, ?, now(), now() + interval '1 day')")) {
                for (FinchAuthorizations.Authorized row : created) {
                    EncryptedToken token = row.token();
                    customer.setString(1, row.customerId());
                    customer.addBatch();
                    connection.setString(1, row.connectionId());
                    connection.setString(2, row.customerId());
                    connection.setString(3, row.companyId());
                    connection.setString(4, row.providerId());
                    connection.setString(5, token.keyId());
                    connection.setBytes(6, token.ciphertext());
                    connection.setShort(7, (short) token.format().code());
                    connection.addBatch();
                }
                customer.executeBatch();
                connection.executeBatch();
            }
            db.commit();
        }
    }
}
