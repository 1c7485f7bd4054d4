package io.finchconnect.finch.client;

import static io.finchconnect.finch.client.SessionRequests.sessionRequest;
import static io.finchconnect.finch.client.SessionRequests.uniqueCustomerId;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.finch.config.FinchConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;

/**
 * {@code FINCH_PROXY_ADDRESS} sends every Finch call through an HTTP proxy (here a forwarding one of the test's,
 * in front of the simulator), and {@code FINCH_NON_PROXY_HOSTS} exempts the hosts it names.
 */
@QuarkusTest
class FinchProxyTest {

    @Inject
    FinchConfig config;
    @Inject
    FinchCallPolicy policy;

    private Vertx vertx;
    private HttpServer proxy;
    private final List<String> proxied = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startProxy() throws Exception {
        vertx = Vertx.vertx();
        HttpClient upstream = vertx.createHttpClient();
        proxy = vertx.createHttpServer().requestHandler(request -> {
            // An HTTP proxy gets the absolute URI of the target in the request line.
            proxied.add(request.method() + " " + request.uri());
            request.body().compose(body -> upstream.request(new RequestOptions().setMethod(request.method())
                            .setAbsoluteURI(request.uri()).setHeaders(request.headers()))
                    .compose(forwarded -> forwarded.send(body)))
                    .onSuccess(answer -> answer.body().onSuccess(reply -> {
                        request.response().setStatusCode(answer.statusCode()).headers().addAll(answer.headers());
                        request.response().end(reply);
                    }))
                    .onFailure(failure -> request.response().setStatusCode(502).end());
        }).listen(0).toCompletionStage().toCompletableFuture().get();
    }

    @AfterEach
    void stopProxy() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    @Test
    void finchCallsGoThroughTheProxy() throws Exception {
        FinchGateway gateway = new FinchGateway(throughTheProxy(), policy);
        try {
            assertThat(gateway.createConnectSession(sessionRequest(uniqueCustomerId())).await().atMost(Duration.ofSeconds(30))
                    .sessionId()).isNotBlank();
            assertThat(proxied).singleElement().asString().startsWith("POST " + config.baseUrl()).endsWith("/connect/sessions");
        } finally {
            gateway.close();
        }
    }

    @Test
    void hostsNamedInNonProxyHostsAreReachedDirectly() throws Exception {
        FinchGateway gateway = new FinchGateway(FinchSettings.with(throughTheProxy(), "nonProxyHosts",
                Optional.of("localhost|127.0.0.1")), policy);
        try {
            assertThat(gateway.createConnectSession(sessionRequest(uniqueCustomerId())).await().atMost(Duration.ofSeconds(30))
                    .sessionId()).isNotBlank();
            assertThat(proxied).isEmpty();
        } finally {
            gateway.close();
        }
    }

    private FinchConfig throughTheProxy() {
        return FinchSettings.with(config, "proxyAddress", Optional.of("localhost:" + proxy.actualPort()));
    }
}
