package io.finchconnect.finch.client;

import static io.finchconnect.finch.client.SessionRequests.sessionRequest;
import static io.finchconnect.finch.client.SessionRequests.uniqueCustomerId;
import static io.finchconnect.testing.Finch.everyRequest;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.testing.PatientFinchProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * Every Finch call holds a pooled connection for Finch's whole latency, so the pool size is the number of calls
 * in flight at once ({@code FINCH_CONNECTION_POOL_SIZE}). The simulator counts a request as it arrives, before
 * its latency, which shows how many were sent at once.
 */
@QuarkusTest
// Finch attempts of 30 s: the test profile's 1.5 s would cut the calls short of the latency.
@TestProfile(PatientFinchProfile.class)
class FinchConnectionPoolTest {

    /** Long against any scheduling delay of a loaded machine, so that calls are still in flight when counted. */
    private static final int LATENCY_MS = 5000;

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
        everyRequest().clearFaults().resetRequests();
        breakers.resetAll();
    }

    @Test
    void theDefaultPoolSendsFarMoreThanTheRestClientsFiftyCallsAtOnce() throws Exception {
        assertThat(config.connectionPoolSize()).isEqualTo(1000);
        everyRequest().fault("connect.sessions", Map.of("latency_ms", LATENCY_MS));
        AtomicInteger settled = new AtomicInteger();

        fire(finch, 120, settled);

        Awaitility.await().atMost(Duration.ofMillis(LATENCY_MS)).pollInterval(Duration.ofMillis(50))
                .until(() -> everyRequest().requests("connect.sessions") >= 120 || settled.get() > 0);
        assertThat(settled.get()).as("calls answered before all 120 reached Finch").isZero();
        awaitSettled(settled, 120);
    }

    @Test
    void callsBeyondThePoolSizeWaitForAConnection() throws Exception {
        FinchGateway gateway = new FinchGateway(FinchSettings.with(config, "connectionPoolSize", 10), policy);
        try {
            everyRequest().fault("connect.sessions", Map.of("latency_ms", LATENCY_MS));
            AtomicInteger settled = new AtomicInteger();

            fire(gateway, 20, settled);

            Awaitility.await().atMost(Duration.ofMillis(LATENCY_MS)).pollInterval(Duration.ofMillis(50))
                    .until(() -> everyRequest().requests("connect.sessions") >= 10);
            // The other ten would be sent by now if the pool let them; the first ten are still in flight.
            Thread.sleep(1000);
            assertThat(everyRequest().requests("connect.sessions")).isEqualTo(10);
            assertThat(settled.get()).isZero();
            awaitSettled(settled, 20);
            assertThat(everyRequest().requests("connect.sessions")).isEqualTo(20);
        } finally {
            gateway.close();
        }
    }

    private static void fire(FinchGateway gateway, int calls, AtomicInteger settled) {
        for (int i = 0; i < calls; i++) {
            gateway.createConnectSession(sessionRequest(uniqueCustomerId())).subscribe()
                    .with(session -> settled.incrementAndGet(), failure -> settled.incrementAndGet());
        }
    }

    private static void awaitSettled(AtomicInteger settled, int calls) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> settled.get() == calls);
    }
}
