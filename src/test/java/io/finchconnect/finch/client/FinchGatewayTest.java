package io.finchconnect.finch.client;

import static io.finchconnect.finch.client.SessionRequests.sessionRequest;
import static io.finchconnect.finch.client.SessionRequests.uniqueCustomerId;
import static io.finchconnect.testing.Finch.everyRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.TestStack;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.mutiny.Uni;

@QuarkusTest
class FinchGatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    FinchGateway finch;
    @Inject
    FinchConfig config;
    @Inject
    MeterRegistry meters;
    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    @AfterEach
    void reset() {
        everyRequest().clearFaults().resetRequests();
        breakers.resetAll();
    }

    @Test
    void createsAConnectSessionWithBasicAuthAndTheApiVersion() {
        String customerId = uniqueCustomerId();

        ConnectSession session = await(finch.createConnectSession(sessionRequest(customerId)));

        assertThat(session.sessionId()).isNotBlank();
        assertThat(session.connectUrl()).endsWith("/authorize?session=" + session.sessionId());
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1);
    }

    @Test
    void reusedCustomerIdRefreshesTheSameSession() {
        String customerId = uniqueCustomerId();

        ConnectSession first = await(finch.createConnectSession(sessionRequest(customerId)));
        ConnectSession again = await(finch.createConnectSession(new ConnectSessionRequest(customerId, "Acme renamed",
                "hr@acme.example", List.of("company"), TestStack.REDIRECT_URI,
                new ConnectSessionRequest.Integration("gusto", "oauth"), "finch", false, 60, null)));

        assertThat(again.sessionId()).isEqualTo(first.sessionId());
    }

    @Test
    void exchangesTheCodeAndMapsEveryGrantField() {
        String customerId = uniqueCustomerId();
        ConnectSession session = await(finch.createConnectSession(sessionRequest(customerId)));

        AccessTokenGrant grant = await(finch.exchangeCode(Finch.completeSession(session.sessionId()).code(), TestStack.REDIRECT_URI));

        assertThat(grant.accessToken()).isNotBlank();
        assertThat(grant.tokenType()).isEqualTo("bearer");
        assertThat(grant.connectionId()).isNotBlank();
        assertThat(grant.customerId()).isEqualTo(customerId);
        assertThat(grant.customerName()).isEqualTo("Acme " + customerId);
        assertThat(grant.products()).containsExactlyInAnyOrder("company", "directory");
        assertThat(grant.entityIds()).hasSize(1);
        assertThat(grant.providerId()).isNotBlank();
        assertThat(grant.companyId()).isNotBlank();
        assertThat(grant.clientType()).isEqualTo("sandbox");
        assertThat(grant.connectionType()).isNotBlank();
        assertThat(grant.toString()).doesNotContain(grant.accessToken());
    }

    @Test
    void introspectsWithTheBearerTokenThenDisconnects() {
        String customerId = uniqueCustomerId();
        AccessTokenGrant grant = connect(customerId);

        Introspection introspection = await(finch.introspect(grant.accessToken()));
        await(finch.disconnect(grant.accessToken()));
        FinchRejectedException afterDisconnect = failure(finch.introspect(grant.accessToken()), FinchRejectedException.class);

        assertThat(introspection.connectionId()).isEqualTo(grant.connectionId());
        assertThat(introspection.customerId()).isEqualTo(customerId);
        assertThat(introspection.connectionStatus().status()).isEqualTo("connected");
        assertThat(introspection.products()).containsExactlyInAnyOrder("company", "directory");
        assertThat(introspection.providerId()).isEqualTo(grant.providerId());
        assertThat(afterDisconnect.finchStatus()).isEqualTo(401);
        assertThat(everyRequest().requests("disconnect")).isEqualTo(1);
    }

    @Test
    void reauthSessionForAnExistingConnection() {
        AccessTokenGrant grant = connect(uniqueCustomerId());

        ConnectSession session = await(finch.createReauthSession(
                new ReauthSessionRequest(grant.connectionId(), null, null, null)));

        assertThat(session.sessionId()).isNotBlank();
        assertThat(session.connectUrl()).contains(session.sessionId());
    }

    @Test
    void aConnectedCustomerIsRefusedWithFinchsOwnFieldsAndNotRetried() {
        String customerId = uniqueCustomerId();
        connect(customerId);
        everyRequest().clearFaults().resetRequests();

        FinchRejectedException rejected = failure(finch.createConnectSession(sessionRequest(customerId)),
                FinchRejectedException.class);

        assertThat(rejected.requiresReauthentication()).isFalse();
        assertThat(rejected.shouldRetry()).isFalse();
        assertThat(rejected.finchStatus()).isEqualTo(400);
        assertThat(rejected.code()).isEqualTo("finch-rejected");
        assertThat(rejected.details()).containsEntry("finch_name", "bad_request")
                .containsEntry("finch_code", "invalid_request").containsKey("finch_message");
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1);
    }

    @Test
    void anInvalidRequestIsATypedRejectionSentOnce() {
        FinchRejectedException rejected = failure(finch.createConnectSession(sessionRequest("")), FinchRejectedException.class);

        assertThat(rejected.finchStatus()).isEqualTo(400);
        assertThat(rejected.finchCode()).isEqualTo("invalid_request");
        assertThat(rejected.finchStatus()).isEqualTo(400);
        assertThat(everyRequest().requests("connect.sessions")).isEqualTo(1);
    }

    @Test
    void aRejectedExchangeNamesNoSecret() {
        FinchRejectedException rejected = failure(finch.exchangeCode("not-a-code", null), FinchRejectedException.class);

        assertThat(rejected.finchName()).isEqualTo("invalid_grant_error");
        assertThat(rejected.getMessage()).doesNotContain(config.clientSecret()).doesNotContain("not-a-code");
        assertThat(String.valueOf(rejected.details())).doesNotContain(config.clientSecret());
    }

    @Test
    void finchReauthenticateUserIsRecognised() {
        FinchRejectedException rejected = new FinchRejectedException(401,
                new FinchErrorBody(401, "authentication_error", "reauthenticate_user", "Please reauthenticate user"));

        assertThat(rejected.requiresReauthentication()).isTrue();
    }

    @Test
    void callsAreTimedByEndpointAndOutcome() {
        await(finch.createConnectSession(sessionRequest(uniqueCustomerId())));
        failure(finch.exchangeCode("not-a-code", null), FinchRejectedException.class);

        assertThat(meters.get(FinchCallMetrics.METER).tags("endpoint", "connect.sessions", "outcome", "success").timer().count())
                .isPositive();
        assertThat(meters.get(FinchCallMetrics.METER).tags("endpoint", "auth.token", "outcome", "rejected").timer().count())
                .isPositive();
    }

    private AccessTokenGrant connect(String customerId) {
        ConnectSession session = await(finch.createConnectSession(sessionRequest(customerId)));
        return await(finch.exchangeCode(Finch.completeSession(session.sessionId()).code(), TestStack.REDIRECT_URI));
    }

    static <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }

    static <E extends Throwable> E failure(Uni<?> uni, Class<E> type) {
        E failure = catchThrowableOfType(type, () -> uni.await().atMost(WAIT));
        assertThat(failure).as("expected a " + type.getSimpleName()).isNotNull();
        return failure;
    }
}
