package io.finchconnect.common.http;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.common.problem.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses a request that announces a body over {@code HTTP_MAX_BODY_SIZE} with 413 problem details before a
 * byte of it is read. Quarkus makes the same check later on the route, but answers an empty 413.
 */
@ApplicationScoped
public class OversizedBodies {

    private final long maxBodySize;
    private final String problem;

    OversizedBodies(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize, ObjectMapper json)
            throws JsonProcessingException {
        this.maxBodySize = maxBodySize.asLongValue();
        this.problem = json.writeValueAsString(Problem.of("payload-too-large", "Payload too large", 413,
                "The body is larger than the " + this.maxBodySize + " bytes this service accepts", null));
    }

    void refuseFirst(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::refuseOversized);
    }

    private void refuseOversized(RoutingContext context) {
        if (declaredLength(context.request().getHeader(HttpHeaders.CONTENT_LENGTH)) > maxBodySize) {
            context.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .putHeader(HttpHeaders.CONNECTION, "close").end(problem);
            return;
        }
        context.next();
    }

    private static long declaredLength(String header) {
        try {
            return header == null ? -1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
