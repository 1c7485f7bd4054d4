package io.finchconnect.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.application.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses a request that announces a body over {@code HTTP_MAX_BODY_SIZE} with 413 problem details before a
 * byte of it is read. Quarkus makes the same check later on the route, but answers an empty 413. A body sent
 * without a length (chunked) is refused with 411: past the limit, Quarkus REST stops reading such a body on the
 * JSON endpoints without answering, and holds the connection until the idle timeout. Every client of this
 * API, Finch's webhook delivery included, sends small bodies of known length.
 */
@ApplicationScoped
public class OversizedBodies {

    private final long maxBodySize;
    private final String problem;
    private final String lengthRequired;

    OversizedBodies(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize, ObjectMapper json)
            throws JsonProcessingException {
        this.maxBodySize = maxBodySize.asLongValue();
        this.problem = json.writeValueAsString(Problem.of("payload-too-large", "Payload too large", 413,
                "The body is larger than the " + this.maxBodySize + " bytes this service accepts", null));
        this.lengthRequired = json.writeValueAsString(Problem.of("length-required", "Length required", 411,
                "Send the body with a Content-Length; bodies of unknown length (chunked) are not accepted", null));
    }

    void refuseFirst(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::refuseOversized);
    }

    private void refuseOversized(RoutingContext context) {
        String contentLength = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declaredLength(contentLength) > maxBodySize) {
            refuse(context, 413, problem);
        } else if (contentLength == null && context.request().getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
            refuse(context, 411, lengthRequired);
        } else {
            context.next();
        }
    }

    private static void refuse(RoutingContext context, int status, String problem) {
        context.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, "close").end(problem);
    }

    private static long declaredLength(String header) {
        try {
            return header == null ? -1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
