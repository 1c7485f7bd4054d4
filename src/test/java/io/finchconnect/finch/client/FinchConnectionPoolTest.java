package io.finchconnect.finch.client;

import static io.finchconnect.finch.client.SimulatorControl.fault;
import static io.finchconnect.finch.client.SimulatorControl.requests;
import static io.finchconnect.finch.client.SimulatorControl.sessionRequest;
import static io.finchconnect.finch.client.SimulatorControl.uniqueCustomerId;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.finch.config.FinchConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * Every Finch call holds a pooled connection for Finch's whole latency, so the pool size is the number of calls
 * in flight at once ({@code FINCH_CONNECTION_POOL_SIZE}). The simulator counts a request as it arrives, before
 * its latency, which shows how many were sent at once.
 */
@QuarkusTest
class FinchConnectionPoolTest {

    /** Below the test profile's 1.5 s attempt timeout, so that no call is retried while in flight. */
    private static final int LATENCY_MS = 1200;

    @Inject
    FinchGateway finch;
    @Inject
    FinchConfig config;
    @Inject
    FinchCallPolicy policy;
    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    @AfterEach
    void reset() {
        SimulatorControl.reset();
        breakers.resetAll();
    }

    @Test
    void theDefaultPoolSendsFarMoreThanTheRestClientsFiftyCallsAtOnce() {
        assertThat(config.connectionPoolSize()).isEqualTo(1000);
        fault("connect.sessions", Map.of("latency_ms", LATENCY_MS));
        AtomicInteger settled = new AtomicInteger();

        fire(finch, 120, settled);

        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> requests("connect.sessions") >= 120 || settled.get() > 0);
        assertThat(settled.get()).as("calls answered before all 120 reached Finch").isZero();
        awaitSettled(settled, 120);
    }

    @Test
    void callsBeyondThePoolSizeWaitForAConnection() throws Exception {
        FinchGateway smallPool = new FinchGateway(new PoolSized(config, 10), policy);
        try {
            // A first call loads and connects what the timed ones then find ready.
            smallPool.createConnectSession(sessionRequest(uniqueCustomerId())).await().atMost(Duration.ofSeconds(10));
            SimulatorControl.reset();
            fault("connect.sessions", Map.of("latency_ms", LATENCY_MS));
            AtomicInteger settled = new AtomicInteger();

            fire(smallPool, 30, settled);

            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> requests("connect.sessions") >= 10);
            // Waiting calls would be sent now if the pool let them; all are still waiting for an answer.
            Thread.sleep(300);
            assertThat(settled.get()).isZero();
            assertThat(requests("connect.sessions")).isEqualTo(10);
            awaitSettled(settled, 30);
        } finally {
            smallPool.close();
        }
    }

    private static void fire(FinchGateway gateway, int calls, AtomicInteger settled) {
        for (int i = 0; i < calls; i++) {
            gateway.createConnectSession(sessionRequest(uniqueCustomerId())).subscribe()
                    .with(session -> settled.incrementAndGet(), failure -> settled.incrementAndGet());
        }
    }

    /** Calls still in flight would fail into the next test's circuit breaker. */
    private static void awaitSettled(AtomicInteger settled, int calls) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> settled.get() == calls);
    }

    /** The application's Finch settings with another pool size. */
    private record PoolSized(FinchConfig config, int connectionPoolSize) implements FinchConfig {

        @Override
        public URI baseUrl() {
            return config.baseUrl();
        }

        @Override
        public String clientId() {
            return config.clientId();
        }

        @Override
        public String clientSecret() {
            return config.clientSecret();
        }

        @Override
        public List<String> webhookSecrets() {
            return config.webhookSecrets();
        }

        @Override
        public List<String> redirectUris() {
            return config.redirectUris();
        }

        @Override
        public String apiVersion() {
            return config.apiVersion();
        }

        @Override
        public Duration requestTimeout() {
            return config.requestTimeout();
        }

        @Override
        public Duration connectTimeout() {
            return config.connectTimeout();
        }

        @Override
        public Retry retry() {
            return config.retry();
        }

        @Override
        public CircuitBreaker circuitBreaker() {
            return config.circuitBreaker();
        }
    }
}
