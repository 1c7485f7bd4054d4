package io.finchconnect.finch.client;

import static io.finchconnect.finch.client.FinchGatewayTest.await;
import static io.finchconnect.finch.client.FinchGatewayTest.failure;
import static io.finchconnect.finch.client.SessionRequests.sessionRequest;
import static io.finchconnect.finch.client.SessionRequests.uniqueCustomerId;
import static io.finchconnect.testing.Finch.everyRequest;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.authorization.CodeExchange;
import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

@QuarkusTest
class FinchGatewayFaultToleranceTest {

    @Inject
    FinchGateway finch;
    @Inject
    FinchConfig config;
    @Inject
    CircuitBreakerMaintenance breakers;
    @Inject
    FinchCallPolicy policy;

    @BeforeEach
    @AfterEach
    void reset() {
        everyRequest().clearFaults().resetRequests();
        breakers.resetAll();
    }

    /** No TCP connection to Finch: the code provably never arrived, so the callback gives the employer's link back. */
    @Test
    void aCodeForAFinchThatCannotBeReachedIsKnownNeverToHaveArrived() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        URI nobody = URI.create("http://localhost:" + closedPort);
        FinchConfig unreachable = (FinchConfig) Proxy.newProxyInstance(FinchConfig.class.getClassLoader(),
                new Class<?>[] { FinchConfig.class },
                (proxy, method, args) -> "baseUrl".equals(method.getName()) ? nobody : method.invoke(config, args));
        FinchGateway gateway = new FinchGateway(unreachable, policy);
        try {
            FinchUnavailableException failure = failure(gateway.exchangeCode("a-code", null), FinchUnavailableException.class);

            assertThat(failure.mayHaveBeenProcessed()).isFalse();
            assertThat(CodeExchange.codeNeverReachedFinch(failure)).isTrue();
        } finally {
            gateway.close();
        }
        // A dropped connection after the request went out leaves it open: the code may be spent.
        everyRequest().fault("auth.token", Map.of("reset", true, "times", 1));
        FinchUnavailableException reset = failure(finch.exchangeCode("another-code", null), FinchUnavailableException.class);
        assertThat(CodeExchange.codeNeverReachedFinch(reset)).isFalse();
    }

    @Test
    void rateLimitIsRetriedOnceAfterRetryAfter() {
        everyRequest().fault("connect.sessions", Map.of("status", 429, "retry_after_seconds", 1, "times", 1));

        long started = System.nanoTime();
        ConnectSession session = await(finch.createConnectSession(sessionRequest(uniqueCustomerId())));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(session.sessionId()).isNotBlank();
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(2);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void serviceUnavailableTwiceThenSuccess() {
        everyRequest().fault("connect.sessions", Map.of("status", 503, "times", 2));

        ConnectSession session = await(finch.createConnectSession(sessionRequest(uniqueCustomerId())));

        assertThat(session.sessionId()).isNotBlank();
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(3);
    }

    @Test
    void serverErrorsForeverEndAsFinchUnavailableAfterBoundedRetries() {
        everyRequest().fault("connect.sessions", Map.of("status", 500));

        FinchUnavailableException failure = failure(finch.createConnectSession(sessionRequest(uniqueCustomerId())),
                FinchUnavailableException.class);

        assertThat(failure.code()).isEqualTo("finch-unavailable");
        assertThat(failure.byOpenCircuit()).as("Finch failing, not our breaker").isFalse();
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1 + config.retry().maxRetries());
    }

    @Test
    void rateLimitThatOutlastsTheRetriesIsPassedOnWithRetryAfter() {
        everyRequest().fault("connect.sessions", Map.of("status", 429, "retry_after_seconds", 60));

        FinchRateLimitedException failure = failure(finch.createConnectSession(sessionRequest(uniqueCustomerId())),
                FinchRateLimitedException.class);

        assertThat(failure.code()).isEqualTo("finch-rate-limited");
        assertThat(failure.retryAfter()).contains(java.time.Duration.ofSeconds(60));
        assertThat(everyRequest().requests("connect.sessions")).as("too long a Retry-After is not waited for").isEqualTo(1);
    }

    @Test
    void aConnectionResetIsRetried() {
        AccessTokenGrant grant = connect();
        everyRequest().fault("introspect", Map.of("reset", true, "times", 1));

        Introspection introspection = await(finch.introspect(grant.accessToken()));

        assertThat(introspection.connectionId()).isEqualTo(grant.connectionId());
        assertThat(everyRequest().requests("introspect")).isEqualTo(2);
    }

    @Test
    void anAnswerSlowerThanTheTimeoutIsAFinchTimeout() {
        AccessTokenGrant grant = connect();
        everyRequest().fault("introspect", Map.of("latency_ms", config.requestTimeout().toMillis() + 500));

        FinchTimeoutException failure = failure(finch.introspect(grant.accessToken()), FinchTimeoutException.class);

        assertThat(failure.code()).isEqualTo("finch-timeout");
        assertThat(everyRequest().requests("introspect")).isEqualTo(1 + config.retry().maxRetries());
    }

    @Test
    void theCodeExchangeIsSentOnlyOnceEvenWhenFinchFails() {
        ConnectSession session = await(finch.createConnectSession(sessionRequest(uniqueCustomerId())));
        String code = Finch.completeSession(session.sessionId()).code();
        everyRequest().fault("auth.token", Map.of("status", 500));

        failure(finch.exchangeCode(code, TestStack.REDIRECT_URI), FinchUnavailableException.class);

        assertThat(everyRequest().requests("auth.token")).isEqualTo(1);
    }

    @Test
    void theCodeExchangeIsNotRepeatedAfterATimeout() {
        ConnectSession session = await(finch.createConnectSession(sessionRequest(uniqueCustomerId())));
        String code = Finch.completeSession(session.sessionId()).code();
        everyRequest().fault("auth.token", Map.of("latency_ms", config.requestTimeout().toMillis() + 500));

        failure(finch.exchangeCode(code, TestStack.REDIRECT_URI), FinchTimeoutException.class);

        assertThat(everyRequest().requests("auth.token")).isEqualTo(1);
    }

    @Test
    void theBreakerOpensAfterRepeatedFailuresAndClosesAfterItsDelay() {
        everyRequest().fault("connect.sessions", Map.of("status", 500));
        failure(finch.createConnectSession(sessionRequest(uniqueCustomerId())), FinchUnavailableException.class);
        failure(finch.createConnectSession(sessionRequest(uniqueCustomerId())), FinchUnavailableException.class);
        assertThat(breakers.currentState(FinchCallPolicy.CIRCUIT_BREAKER)).isEqualTo(CircuitBreakerState.OPEN);
        long reachedFinch = everyRequest().requests("connect.sessions");

        FinchUnavailableException failFast = failure(finch.createConnectSession(sessionRequest(uniqueCustomerId())),
                FinchUnavailableException.class);

        assertThat(failFast.code()).isEqualTo("finch-unavailable");
        assertThat(failFast.byOpenCircuit()).as("our breaker, not Finch").isTrue();
        assertThat(everyRequest().requests("connect.sessions")).as("an open breaker keeps calls from Finch").isEqualTo(reachedFinch);

        everyRequest().clearFaults().resetRequests();
        Awaitility.await().pollDelay(config.circuitBreaker().delay()).atMost(Duration.ofSeconds(10))
                .until(this::tryCreateSession);
        assertThat(breakers.currentState(FinchCallPolicy.CIRCUIT_BREAKER)).isEqualTo(CircuitBreakerState.CLOSED);
    }

    private boolean tryCreateSession() {
        try {
            await(finch.createConnectSession(sessionRequest(uniqueCustomerId())));
            return true;
        } catch (FinchUnavailableException stillOpen) {
            return false;
        }
    }

    private AccessTokenGrant connect() {
        ConnectSession session = await(finch.createConnectSession(sessionRequest(uniqueCustomerId())));
        return await(finch.exchangeCode(Finch.completeSession(session.sessionId()).code(), TestStack.REDIRECT_URI));
    }
}
