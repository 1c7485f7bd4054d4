package io.finchconnect.common.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.finchconnect.common.database.BackingServiceUnavailable;
import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** A database that takes the TCP connection and never answers costs a request the pool wait, not Vert.x's 30 s. */
class FailFastPgPoolTest {

    @Test
    void aQueryForADatabaseThatNeverAnswersFailsAfterThePoolWaitAsUnavailability() throws Exception {
        Vertx vertx = Vertx.vertx();
        // The kernel completes the handshake into the backlog; nobody ever reads the startup message.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(silent.getLocalPort())
                    .setDatabase("finch").setUser("finch").setPassword("unused");
            Pool pool = new FailFastPgPool(config(Duration.ofSeconds(4), Duration.ofMillis(700)))
                    .create(input(vertx, new PoolOptions().setMaxSize(2), List.of(options)));
            assertThat(options.getConnectTimeout()).isEqualTo(4000);

            long start = System.nanoTime();
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            pool.query("SELECT 1").execute().onComplete(result -> failure.complete(result.cause()));
            Throwable cause = failure.get(20, TimeUnit.SECONDS);
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();

            assertThat(cause).as("the query cannot succeed").isNotNull();
            assertThat(millis).as("failed after the pool wait (%s)", cause).isBetween(500L, 5_000L);
            assertThat(BackingServiceUnavailable.explains(cause)).as("%s is answered 503", cause).isTrue();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static DatabaseConfig config(Duration connectTimeout, Duration poolWaitTimeout) {
        return new DatabaseConfig() {
            @Override
            public Duration connectTimeout() {
                return connectTimeout;
            }

            @Override
            public Duration poolWaitTimeout() {
                return poolWaitTimeout;
            }

            @Override
            public java.util.Optional<String> sslRootCert() {
                return java.util.Optional.empty();
            }
        };
    }

    private static PgPoolCreator.Input input(Vertx vertx, PoolOptions poolOptions, List<PgConnectOptions> connectOptions) {
        return new PgPoolCreator.Input() {
            @Override
            public Vertx vertx() {
                return vertx;
            }

            @Override
            public PoolOptions poolOptions() {
                return poolOptions;
            }

            @Override
            public List<PgConnectOptions> pgConnectOptionsList() {
                return connectOptions;
            }
        };
    }
}
