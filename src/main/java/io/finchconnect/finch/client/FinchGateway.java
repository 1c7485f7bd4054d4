package io.finchconnect.finch.client;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.resteasy.reactive.client.api.QuarkusRestClientProperties;

import io.finchconnect.finch.config.FinchConfig;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;

/**
 * What the service calls to talk to Finch: each call authenticated as Finch wants it and run under
 * {@link FinchCallPolicy}. Failures are {@link FinchRejectedException} (a 4xx, final), {@link FinchUnavailableException},
 * {@link FinchRateLimitedException} or {@link FinchTimeoutException}, in Finch's terms: what our caller is answered
 * is decided by the API's one mapping place.
 */
@ApplicationScoped
public class FinchGateway {

    private final FinchConfig config;
    private final FinchCallPolicy policy;
    private final FinchClient client;
    private final String basicAuthorization;

    /**
     * Whether Finch may have acted on a call that failed: it timed out, or failed after the request was sent. A
     * call that is not idempotent (a reauthentication session) must not be made again blindly then.
     */
    public static boolean mayHaveActed(Throwable failure) {
        return failure instanceof FinchTimeoutException
                || failure instanceof FinchUnavailableException unavailable && unavailable.mayHaveBeenProcessed();
    }

    FinchGateway(FinchConfig config, FinchCallPolicy policy) {
        this.config = config;
        this.policy = policy;
        QuarkusRestClientBuilder builder = QuarkusRestClientBuilder.newBuilder();
        config.proxyAddress().ifPresent(address -> {
            int colon = address.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("FINCH_PROXY_ADDRESS must be host:port");
            }
            builder.proxyAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
            config.nonProxyHosts().ifPresent(builder::nonProxyHosts);
        });
        this.client = builder
                .baseUri(config.baseUrl())
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                // A backstop only: the policy's timeout fires first and cancels the request.
                .readTimeout(config.requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)
                // The client's default of 50 would cap the service at 50 / Finch's latency calls per second.
                .property(QuarkusRestClientProperties.CONNECTION_POOL_SIZE, config.connectionPoolSize())
                .build(FinchClient.class);
        this.basicAuthorization = "Basic " + Base64.getEncoder().encodeToString(
                (config.clientId() + ":" + config.clientSecret()).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Stages a Connect session, or refreshes the customer's staged one (Finch keeps the session id per
     * customer id, which makes this safe to retry). Finch refuses a customer that already connected with an
     * undocumented body: a {@link FinchRejectedException} carrying Finch's fields.
     */
    public Uni<ConnectSession> createConnectSession(ConnectSessionRequest request) {
        Objects.requireNonNull(request, "request");
        return policy.idempotent(FinchEndpoint.CONNECT_SESSIONS, () -> client.createSession(basicAuthorization, request));
    }

    /**
     * A session in which the employer reauthenticates (or changes) an existing connection. Sent at most once:
     * each call makes a new session at Finch, so a retry after an unclear outcome is the caller's decision.
     */
    public Uni<ConnectSession> createReauthSession(ReauthSessionRequest request) {
        Objects.requireNonNull(request, "request");
        return policy.once(FinchEndpoint.REAUTHENTICATE, () -> client.createReauthSession(basicAuthorization, request));
    }

    /** Exchanges an authorization code for the connection's access token. Sent at most once: codes are single-use. */
    public Uni<AccessTokenGrant> exchangeCode(String code, String redirectUri) {
        Objects.requireNonNull(code, "code");
        TokenExchangeRequest request = new TokenExchangeRequest(code, config.clientId(), config.clientSecret(), redirectUri);
        return policy.once(FinchEndpoint.AUTH_TOKEN, () -> client.exchangeCode(request));
    }

    /** The connection behind an access token, with its status. */
    public Uni<Introspection> introspect(String accessToken) {
        Objects.requireNonNull(accessToken, "accessToken");
        return policy.idempotent(FinchEndpoint.INTROSPECT, () -> client.introspect(bearer(accessToken)));
    }

    /** Ends the connection behind an access token. Not retried: a repeat after success would be refused. */
    public Uni<Void> disconnect(String accessToken) {
        Objects.requireNonNull(accessToken, "accessToken");
        return policy.once(FinchEndpoint.DISCONNECT, () -> client.disconnect(bearer(accessToken))).replaceWithVoid();
    }

    /**
     * Removes some entities of a connection and leaves the others connected. Not retried: Finch refuses to
     * remove an entity twice ({@code 400}), so a repeat after a lost answer could not tell success from refusal.
     */
    public Uni<Void> disconnectEntities(String accessToken, List<String> entityIds) {
        Objects.requireNonNull(accessToken, "accessToken");
        DisconnectEntityRequest request = new DisconnectEntityRequest(List.copyOf(entityIds));
        return policy.once(FinchEndpoint.DISCONNECT_ENTITY, () -> client.disconnectEntity(bearer(accessToken), request))
                .replaceWithVoid();
    }

    private static String bearer(String accessToken) {
        return "Bearer " + accessToken;
    }

    @PreDestroy
    void close() throws IOException {
        if (client instanceof Closeable closeable) {
            closeable.close();
        }
    }
}
