package io.finchconnect.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenVault;
import io.finchconnect.connection.vault.TokenVaultKeys;
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
 * Many connections authorized at the Finch simulator as an employer would (a staged session created with this
 * service's credentials, completed there, its code exchanged at {@code /auth/token}), each token sealed as the
 * service seals it, {@value #IN_FLIGHT} at a time over an asynchronous client. The fault tests and benchmarks
 * need thousands; through {@link Finch}, one blocking RestAssured call at a time, their set-up alone took minutes
 * of the suite.
 */
public final class FinchAuthorizations {

    private static final int IN_FLIGHT = 32;

    /** A connection Finch knows, with its access token sealed under the test stack's active vault key. */
    public record Authorized(String customerId, String connectionId, String companyId, String providerId, EncryptedToken token) {
    }

    private FinchAuthorizations() {
    }

    /** {@code count} connections, each of a new customer whose id starts with {@code prefix}. */
    public static List<Authorized> authorize(TestStack stack, String prefix, int count) {
        Vertx vertx = Vertx.vertx();
        try {
            return authorize(vertx, stack, prefix, count);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    public static List<Authorized> authorize(Vertx vertx, TestStack stack, String prefix, int count) {
        Map<String, String> config = stack.config();
        java.net.URI finch = java.net.URI.create(stack.finchBaseUrl());
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setDefaultHost(finch.getHost()).setDefaultPort(finch.getPort()), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
        Calls calls = new Calls(client, prefix, count,
                "Basic " + Base64.getEncoder().encodeToString((config.get("finch.client-id") + ":"
                        + config.get("finch.client-secret")).getBytes(StandardCharsets.UTF_8)),
                new JsonObject().put("client_id", config.get("finch.client-id")).put("client_secret", config.get("finch.client-secret")),
                new TokenVault(TokenVaultKeys.parse(config.get("token-vault.keys"), config.get("token-vault.active-key-id"))));
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            CompletableFuture<Void> worker = new CompletableFuture<>();
            calls.next(worker);
            workers.add(worker);
        }
        try {
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
        } finally {
            client.close();
        }
        return List.copyOf(calls.authorized);
    }

    /** One worker's loop: the next connection once the previous one is authorized. */
    private record Calls(HttpClient client, String prefix, int count, String basic, JsonObject clientCredentials,
                         TokenVault vault, AtomicInteger started, List<Authorized> authorized) {

        Calls(HttpClient client, String prefix, int count, String basic, JsonObject clientCredentials, TokenVault vault) {
            this(client, prefix, count, basic, clientCredentials, vault, new AtomicInteger(),
                    Collections.synchronizedList(new ArrayList<>()));
        }

        void next(CompletableFuture<Void> worker) {
            int i = started.getAndIncrement();
            if (i >= count) {
                worker.complete(null);
                return;
            }
            String customerId = prefix + "-" + i + "-" + Long.toHexString(System.nanoTime());
            JsonObject session = new JsonObject().put("customer_id", customerId).put("customer_name", "Load " + i)
                    .put("products", new JsonArray().add("company").add("directory"));
            post(new RequestOptions().setURI("/connect/sessions").putHeader("Authorization", basic)
                    .putHeader("Finch-API-Version", Finch.API_VERSION), session)
                    .compose(staged -> post(new RequestOptions().setURI("/_control/sessions/"
                            + staged.getString("session_id") + "/complete"), new JsonObject()))
                    .compose(completed -> post(new RequestOptions().setURI("/auth/token")
                            .putHeader("Finch-API-Version", Finch.API_VERSION), clientCredentials.copy().put("code", completed.getString("code"))))
                    .onSuccess(token -> {
                        authorized.add(new Authorized(customerId, token.getString("connection_id"), token.getString("company_id"),
                                token.getString("provider_id"), vault.encrypt(token.getString("connection_id"), token.getString("access_token"))));
                        next(worker);
                    })
                    .onFailure(worker::completeExceptionally);
        }

        private Future<JsonObject> post(RequestOptions options, JsonObject body) {
            return postJson(client, options, body);
        }
    }

    /** A JSON POST to the simulator; its JSON answer, or a failure naming the path and status for any but 2xx. */
    public static Future<JsonObject> postJson(HttpClient client, RequestOptions options, JsonObject body) {
        return client.request(options.setMethod(HttpMethod.POST).putHeader("Content-Type", "application/json"))
                .compose(request -> request.send(Buffer.buffer(body.encode())))
                .compose(response -> response.body().map(reply -> {
                    if (response.statusCode() / 100 != 2) {
                        throw new IllegalStateException("simulator " + options.getURI() + ": " + response.statusCode() + " " + reply);
                    }
                    return reply.toJsonObject();
                }));
    }
}
