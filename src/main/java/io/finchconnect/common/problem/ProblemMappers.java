package io.finchconnect.common.problem;

import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.pgclient.PgException;

/**
 * Maps every failure that reaches the HTTP layer to {@code application/problem+json}, once, in one place.
 * Unexpected failures are logged with their stack trace and answered without it.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder response = Response.fromResponse(respond(e.problem()));
        e.headers().forEach(response::header);
        return response.build();
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

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
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
