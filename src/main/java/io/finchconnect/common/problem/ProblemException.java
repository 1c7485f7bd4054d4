package io.finchconnect.common.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure that the API answers as a problem detail. Thrown anywhere in a Uni chain and mapped once by
 * {@link ProblemMappers}.
 */
public class ProblemException extends RuntimeException {

    private final Problem problem;
    private final Map<String, String> headers;

    public ProblemException(Problem problem) {
        this(problem, Map.of());
    }

    /** With response headers the answer must carry, such as {@code Retry-After}. */
    public ProblemException(Problem problem, Map<String, String> headers) {
        super(problem.title() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = Map.copyOf(headers);
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
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
