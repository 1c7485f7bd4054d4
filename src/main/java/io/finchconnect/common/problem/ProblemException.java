package io.finchconnect.common.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure that the API answers as a problem detail. Thrown anywhere in a Uni chain and mapped once by
 * {@link ProblemMappers}.
 */
public class ProblemException extends RuntimeException {

    private final Problem problem;

    public ProblemException(Problem problem) {
        super(problem.title() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    public static ProblemException badRequest(String field, String detail) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("field", field);
        return new ProblemException(Problem.of("invalid-request", "Invalid request", 400, detail, extensions));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of("not-found", "Not found", 404, detail, null));
    }

    public static ProblemException unavailable(String detail) {
        return new ProblemException(Problem.of("service-unavailable", "Service unavailable", 503, detail, null));
    }
}
