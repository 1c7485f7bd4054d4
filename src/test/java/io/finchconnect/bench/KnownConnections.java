package io.finchconnect.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.finchconnect.testing.TestStack;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Connections that exist at the Finch simulator (a staged session completed there) and, as {@code connected},
 * in the service's database: the service's sweeper asks Finch for a reauthentication session for each one that
 * enters reauth, and Finch must know the connection for that to succeed as it would in production.
 */
final class KnownConnections {

    private static final int IN_FLIGHT = 32;

    private KnownConnections() {
    }

    static List<String> create(Vertx vertx, TestStack stack, int count) throws Exception {
        Map<String, String> config = stack.config();
        java.net.URI finch = java.net.URI.create(stack.finchBaseUrl());
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setDefaultHost(finch.getHost()).setDefaultPort(finch.getPort()), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
        String basic = "Basic " + Base64.getEncoder().encodeToString((config.get("finch.client-id") + ":"
                + config.get("finch.client-secret")).getBytes(StandardCharsets.UTF_8));
        List<String[]> created = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            CompletableFuture<Void> worker = new CompletableFuture<>();
            createNext(client, basic, next, count, created, worker);
            workers.add(worker);
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
        client.close();
        store(config, created);
        return created.stream().map(pair -> pair[1]).toList();
    }

    private static void createNext(HttpClient client, String basic, AtomicInteger next, int count, List<String[]> created,
                                   CompletableFuture<Void> worker) {
        int i = next.getAndIncrement();
        if (i >= count) {
            worker.complete(null);
            return;
        }
        String customerId = "bench-" + i + "-" + Long.toHexString(System.nanoTime());
        JsonObject session = new JsonObject().put("customer_id", customerId).put("customer_name", "Bench " + i)
                .put("products", new JsonArray().add("company").add("directory"));
        post(client, new RequestOptions().setURI("/connect/sessions").putHeader("Authorization", basic)
                .putHeader("Finch-API-Version", "2020-09-17"), session)
                .compose(staged -> post(client, new RequestOptions().setURI("/_control/sessions/"
                        + staged.getString("session_id") + "/complete"), new JsonObject()))
                .onSuccess(completed -> {
                    created.add(new String[] { customerId, completed.getString("connection_id") });
                    createNext(client, basic, next, count, created, worker);
                })
                .onFailure(worker::completeExceptionally);
    }

    private static Future<JsonObject> post(HttpClient client, RequestOptions options, JsonObject body) {
        return client.request(options.setMethod(HttpMethod.POST).putHeader("Content-Type", "application/json"))
                .compose(request -> request.send(Buffer.buffer(body.encode())))
                .compose(response -> response.body().map(reply -> {
                    if (response.statusCode() / 100 != 2) {
                        throw new IllegalStateException("simulator " + options.getURI() + ": " + response.statusCode() + " " + reply);
                    }
                    return reply.toJsonObject();
                }));
    }

    private static void store(Map<String, String> config, List<String[]> created) throws Exception {
        try (Connection db = DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"))) {
            db.setAutoCommit(false);
            try (PreparedStatement customer = db.prepareStatement(
                    "INSERT INTO customers (customer_id, customer_name) VALUES (?, 'Bench')");
                 PreparedStatement connection = db.prepareStatement("INSERT INTO connections (connection_id, customer_id, "
                         + "status, status_changed_at, products, token_key_id, token_ciphertext, connected_at) VALUES "
                         + "(?, ?, 'connected', now() - interval '1 hour', '{company,directory}', 'bench', '\\x00', now())")) {
                for (String[] pair : created) {
                    customer.setString(1, pair[0]);
                    customer.addBatch();
                    connection.setString(1, pair[1]);
                    connection.setString(2, pair[0]);
                    connection.addBatch();
                }
                customer.executeBatch();
                connection.executeBatch();
            }
            db.commit();
        }
    }
}
