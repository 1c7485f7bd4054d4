package io.finchconnect.simulator;

import io.finchconnect.simulator.RequestSubject.Source;
import io.finchconnect.testing.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A stateful fake of Finch's API (see docs/finch.md) on its own Vert.x instance, with a Connect page and
 * {@code /_control} endpoints for tests. Test and local use only.
 */
public final class FinchSimulator implements TestServer, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FinchSimulator.class);
    private static final long START_TIMEOUT_SECONDS = 30;

    public record Options(int port, String clientId, String clientSecret, String webhookSecretBase64,
                          String webhookUrl, Set<String> allowedRedirectUris, Duration codeTtl) {

        /** Base64 of the 32 ASCII bytes {@code finch-simulator-webhook-secret-0}. */
        public static final String DEFAULT_WEBHOOK_SECRET = "ZmluY2gtc2ltdWxhdG9yLXdlYmhvb2stc2VjcmV0LTA=";

        public Options {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535");
            }
            if (clientId == null || clientSecret == null) {
                throw new IllegalArgumentException("clientId and clientSecret are required");
            }
            FinchWebhookSigner.decodeSecret(webhookSecretBase64);
            allowedRedirectUris = allowedRedirectUris == null ? Set.of() : Set.copyOf(allowedRedirectUris);
            codeTtl = codeTtl == null ? Duration.ofMinutes(10) : codeTtl;
            if (codeTtl.isNegative() || codeTtl.isZero()) {
                throw new IllegalArgumentException("codeTtl must be positive");
            }
        }

        public static Options defaults() {
            return new Options(0, "sim-client-id", "sim-client-secret", DEFAULT_WEBHOOK_SECRET, null, Set.of(),
                    Duration.ofMinutes(10));
        }

        public Options withPort(int newPort) {
            return new Options(newPort, clientId, clientSecret, webhookSecretBase64, webhookUrl, allowedRedirectUris, codeTtl);
        }

        public Options withClientCredentials(String newClientId, String newClientSecret) {
            return new Options(port, newClientId, newClientSecret, webhookSecretBase64, webhookUrl, allowedRedirectUris, codeTtl);
        }

        public Options withWebhookSecretBase64(String newSecret) {
            return new Options(port, clientId, clientSecret, newSecret, webhookUrl, allowedRedirectUris, codeTtl);
        }

        public Options withWebhookUrl(String newWebhookUrl) {
            return new Options(port, clientId, clientSecret, webhookSecretBase64, newWebhookUrl, allowedRedirectUris, codeTtl);
        }

        public Options withAllowedRedirectUris(Set<String> newAllowedRedirectUris) {
            return new Options(port, clientId, clientSecret, webhookSecretBase64, webhookUrl, newAllowedRedirectUris, codeTtl);
        }

        public Options withCodeTtl(Duration newCodeTtl) {
            return new Options(port, clientId, clientSecret, webhookSecretBase64, webhookUrl, allowedRedirectUris, newCodeTtl);
        }
    }

    private final Vertx vertx;
    private final Router router;
    private final int port;
    private final WebhookSender webhooks;
    private HttpServer server;

    private FinchSimulator(Vertx vertx, Router router, HttpServer server, WebhookSender webhooks) {
        this.vertx = vertx;
        this.router = router;
        this.server = server;
        this.port = server.actualPort();
        this.webhooks = webhooks;
    }

    /** Starts the simulator and blocks until it listens. */
    public static FinchSimulator start(Options options) {
        Vertx vertx = Vertx.vertx();
        try {
            HttpServer server = vertx.createHttpServer();
            Router router = Router.router(vertx);
            server.requestHandler(router);
            await(server.listen(options.port(), "localhost"));
            String baseUrl = "http://localhost:" + server.actualPort();
            Clock clock = Clock.systemUTC();
            WebhookSender webhooks = new WebhookSender(vertx, options.webhookSecretBase64(), options.webhookUrl(), clock);
            mountRoutes(router, vertx, options, baseUrl, clock, webhooks);
            LOG.infof("Finch simulator listening on %s", baseUrl);
            return new FinchSimulator(vertx, router, server, webhooks);
        } catch (Exception e) {
            vertx.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Finch simulator did not start", e);
        }
    }

    private static void mountRoutes(Router router, Vertx vertx, Options options, String baseUrl, Clock clock,
                                    WebhookSender webhooks) {
        SimulatorState state = new SimulatorState(options.codeTtl(), clock);
        RequestCounter requests = new RequestCounter();
        FaultInjector faults = new FaultInjector(vertx);
        WebhookEvents events = new WebhookEvents(state, webhooks);
        FinchApi api = new FinchApi(state, new ClientCredentials(options.clientId(), options.clientSecret()),
                options.allowedRedirectUris(), baseUrl, events);
        ProviderOutages outages = new ProviderOutages();
        ConnectPage page = new ConnectPage(state, options.allowedRedirectUris(), outages);
        ControlApi control = new ControlApi(state, webhooks, events, faults, requests, baseUrl);

        router.route().handler(BodyHandler.create().setBodyLimit(1024 * 1024));

        FinchRoutes finch = new FinchRoutes(router, state, requests, faults);
        finch.route(HttpMethod.POST, "/connect/sessions", "connect.sessions", Source.NEW_SESSION, api::createSession);
        finch.route(HttpMethod.POST, "/connect/sessions/reauthenticate", "connect.sessions.reauthenticate",
                Source.REAUTH_SESSION, api::createReauthSession);
        finch.route(HttpMethod.POST, "/auth/token", "auth.token", Source.CODE, api::exchangeCode);
        finch.route(HttpMethod.GET, "/introspect", "introspect", Source.ACCESS_TOKEN, api::introspect);
        finch.route(HttpMethod.POST, "/disconnect", "disconnect", Source.ACCESS_TOKEN, api::disconnect);
        finch.route(HttpMethod.POST, "/disconnect-entity", "disconnect.entity", Source.ACCESS_TOKEN, api::disconnectEntity);
        finch.route(HttpMethod.GET, "/employer/company", "employer.company", Source.ACCESS_TOKEN, api::company);
        finch.route(HttpMethod.GET, "/jobs/automated/:job_id", "jobs.automated", Source.ACCESS_TOKEN, api::automatedJob);

        router.get("/authorize").handler(requests.counting("authorize.page")).handler(page::show);
        router.post("/authorize").handler(requests.counting("authorize.submit")).handler(page::authorize);

        router.post("/_control/sessions/:session_id/complete").handler(control::completeSession);
        router.post("/_control/sessions/:session_id/expire").handler(control::expireSession);
        router.get("/_control/sessions/:session_id").handler(control::session);
        router.post("/_control/connections/:connection_id/status").handler(control::changeStatus);
        router.post("/_control/connections/:connection_id/entities/:entity_id/status").handler(control::changeEntityStatus);
        router.post("/_control/connections/:connection_id/jobs").handler(control::finishJob);
        router.put("/_control/connections/:connection_id/last-successful-sync").handler(control::setLastSuccessfulSync);
        router.get("/_control/connections/:connection_id").handler(control::connection);
        router.get("/_control/customers/:customer_id").handler(control::customer);
        router.put("/_control/webhooks/delivery").handler(control::setDeliveryMode);
        router.get("/_control/webhooks/waiting").handler(control::waitingEvents);
        router.post("/_control/webhooks/waiting/deliver").handler(control::deliverWaiting);
        router.post("/_control/webhooks/:event_id/deliver").handler(control::deliver);
        router.post("/_control/webhooks/:event_id/redeliver").handler(control::redeliver);
        router.get("/_control/webhooks/:event_id").handler(control::showEvent);
        router.post("/_control/webhooks").handler(control::sendEvent);
        router.put("/_control/faults/:endpoint").handler(control::setFault);
        router.delete("/_control/faults").handler(control::clearFaults);
        router.get("/_control/held-answers").handler(control::heldAnswers);
        router.post("/_control/held-answers/release").handler(control::releaseHeldAnswers);
        router.put("/_control/providers/:provider/outage").handler(outages::start);
        router.delete("/_control/providers/:provider/outage").handler(outages::end);
        router.get("/_control/requests").handler(control::requestCounts);
        router.get("/_control/requests/peaks").handler(control::peakRequestsInFlight);
        router.delete("/_control/requests").handler(control::resetRequestCounts);

        router.route().last().handler(ctx -> {
            throw FinchError.notFound("No route for " + ctx.request().method() + " " + ctx.request().path());
        });
        router.route().failureHandler(FinchSimulator::writeFailure);
    }

    /** Mounts Finch's endpoints: each request is read for its subject, counted, maybe faulted, then handled. */
    private record FinchRoutes(Router router, SimulatorState state, RequestCounter requests, FaultInjector faults) {
        void route(HttpMethod method, String path, String endpointKey, Source subject, Handler<RoutingContext> handler) {
            router.route(method, path)
                    .handler(RequestSubject.reading(subject, state))
                    .handler(requests.counting(endpointKey))
                    .handler(faults.injecting(endpointKey))
                    .handler(FinchApi::requireApiVersion)
                    .handler(handler);
        }
    }

    private static void writeFailure(RoutingContext ctx) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        FinchError error;
        if (ctx.failure() instanceof FinchError finchError) {
            error = finchError;
        } else if (ctx.failure() == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            error = FinchError.invalidRequestWithStatus(ctx.statusCode(), "Invalid request");
        } else {
            LOG.warn("Finch simulator handler failed", ctx.failure());
            error = FinchError.forStatus(500);
        }
        FinchApi.respond(ctx, error.status(), error.toJson());
    }

    public String baseUrl() {
        return "http://localhost:" + port();
    }

    public int port() {
        return port;
    }

    /**
     * Stops listening, as a Finch outage would: open connections are closed and new ones refused. Sessions,
     * connections, tokens, events, faults and counts stay, for {@link #start()}.
     */
    @Override
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            await(server.close());
        } catch (Exception e) {
            throw new IllegalStateException("Finch simulator did not stop", e);
        } finally {
            server = null;
        }
        LOG.infof("Finch simulator on port %d stopped", port);
    }

    /** Listens again on the same port with the same state; nothing if it listens. */
    @Override
    public synchronized void start() {
        if (server != null) {
            return;
        }
        HttpServer again = vertx.createHttpServer().requestHandler(router);
        try {
            await(again.listen(port, "localhost"));
        } catch (Exception e) {
            throw new IllegalStateException("Finch simulator did not start again on port " + port, e);
        }
        server = again;
        LOG.infof("Finch simulator listening again on %s", baseUrl());
    }

    /** Not supported: the simulator runs inside the test JVM, and {@link #stop()} already drops its connections. */
    @Override
    public void kill() {
        throw new UnsupportedOperationException("The Finch simulator runs inside the test JVM and cannot be killed; "
                + "stop() already closes its open connections at once");
    }

    private static <T> T await(Future<T> future) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    public void setWebhookUrl(String url) {
        webhooks.setWebhookUrl(url);
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Finch simulator did not stop cleanly", e);
        }
    }
}
