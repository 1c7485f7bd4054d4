package io.finchconnect.common.problem;

import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/**
 * JSON of the wrong shape (an object where a string belongs): Quarkus REST maps this one Jackson failure with a
 * built-in mapper of its own, which in production answers an empty 400. This more specific mapper keeps it
 * problem details like every other malformed body.
 */
public class JsonShapeProblems {

    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e) {
        return ProblemMappers.respond(Problem.of("invalid-request", "Invalid request", 400,
                "The body is not valid JSON of the expected shape", null));
    }
}
