package io.finchconnect.application;

import java.time.Duration;
import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.finchconnect.common.database.BackingServiceUnavailable;
import io.finchconnect.common.error.ServiceException;
import io.finchconnect.finch.client.FinchRejectedException;
import io.finchconnect.finch.client.FinchUnavailableException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.pgclient.PgException;

/**
 * Maps every failure that reaches the HTTP layer to {@code application/problem+json}, once, in one place: the
 * features report failures in their own terms ({@link ServiceException}: a code, a message, details, when to
 * ask again) and only this class decides the HTTP status, title and headers. Unexpected failures are logged with
 * their stack trace and answered without it.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    /** Title and status per {@link ServiceException#code()}; Finch's failures are decided below. */
    private static final Map<String, Answer> ANSWERS = Map.ofEntries(
            Map.entry("invalid-request", new Answer("Invalid request", 400)),
            Map.entry("invalid-signature", new Answer("Invalid signature", 401)),
            Map.entry("not-found", new Answer("Not found", 404)),
            Map.entry("connection-exists", new Answer("Connection exists", 409)),
            Map.entry("connection-known", new Answer("Connection known", 409)),
            Map.entry("connection-changed", new Answer("Connection changed", 409)),
            Map.entry("connection-disconnected", new Answer("Connection disconnected", 409)),
            Map.entry("customer-mismatch", new Answer("Customer mismatch", 409)),
            Map.entry("reauth-session-in-flight", new Answer("Reauthentication session in flight", 409)),
            Map.entry("reauth-link-pending", new Answer("Reauthentication link pending", 503)),
            Map.entry("grant-not-stored", new Answer("Connection not stored yet", 503)),
            Map.entry("finch-rate-limited", new Answer("Finch rate limit", 503)),
            Map.entry("finch-timeout", new Answer("Finch timeout", 504)),
            Map.entry("finch-unavailable", new Answer("Finch unavailable", 502)),
            Map.entry("finch-rejected", new Answer("Finch rejected the request", 502)));

    private record Answer(String title, int status) {
    }

    @ServerExceptionMapper
    public Response service(ServiceException e) {
        Answer answer = ANSWERS.get(e.code());
        if (answer == null) {
            LOG.errorf("No answer defined for failure code %s", e.code());
            answer = new Answer("Internal error", 500);
        }
        Response.ResponseBuilder response = Response.fromResponse(respond(Problem.of(e.code(), answer.title(),
                statusOf(e, answer), e.getMessage(), e.details())));
        e.retryAfter().ifPresent(wait -> response.header("Retry-After", String.valueOf(seconds(wait))));
        return response.build();
    }

    /**
     * Our circuit breaker open is ours to say (503); Finch failing is a bad gateway. Finch's refusals keep Finch's
     * status, except 401 and 403 (they concern this service's credentials or a connection's token, not our
     * caller's request) and a 501 (Finch's own gap), which are a bad gateway too.
     */
    private static int statusOf(ServiceException e, Answer answer) {
        if (e instanceof FinchUnavailableException unavailable) {
            return unavailable.byOpenCircuit() ? 503 : 502;
        }
        if (e instanceof FinchRejectedException rejected) {
            int finch = rejected.finchStatus();
            return finch == 401 || finch == 403 || finch >= 500 ? 502 : finch;
        }
        return answer.status();
    }

    private static long seconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthorized(RuntimeException e) {
        return Response.fromResponse(respond(Problem.of("unauthorized", "Unauthorized", 401,
                "A valid bearer token is required", null))).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(Problem.of("forbidden", "Forbidden", 403, "The token lacks the role this endpoint requires", null));
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        return invalidJson();
    }

    /**
     * JSON of the wrong shape (an object where a string belongs): Quarkus REST has a built-in mapper for this one
     * Jackson failure, which answers an empty 400 in production; a mapper for the exact type takes precedence.
     */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e) {
        return invalidJson();
    }

    private static Response invalidJson() {
        return respond(Problem.of("invalid-request", "Invalid request", 400, "The body is not valid JSON of the expected shape",
                null));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "HTTP " + status : known.getReasonPhrase();
        return respond(Problem.of(title.toLowerCase().replace(' ', '-'), title, status, title, null));
    }

    @ServerExceptionMapper
    public Response database(PgException e) {
        if (BackingServiceUnavailable.explains(e)) {
            return unavailable();
        }
        LOG.errorf("Database error: %s", e.getMessage());
        return respond(Problem.of("internal-error", "Internal error", 500, "The request could not be completed", null));
    }

    /**
     * Throwable, not Exception: the reactive PostgreSQL client fails a statement on a connection PostgreSQL just
     * closed with a bare {@code NoStackTraceThrowable}, which an Exception mapper never saw (a 500 in PostgresOutageIT).
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (BackingServiceUnavailable.explains(e)) {
            return unavailable();
        }
        LOG.error("Unexpected failure", e);
        return respond(Problem.of("internal-error", "Internal error", 500, "The request could not be completed", null));
    }

    private static Response unavailable() {
        return respond(Problem.of("service-unavailable", "Service unavailable", 503,
                "A backing service is unavailable; retry later", Map.of()));
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
