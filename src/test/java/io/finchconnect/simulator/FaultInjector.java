package io.finchconnect.simulator;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Injects per-endpoint faults (latency, 429 or 5xx answers, connection resets) for a number of requests. */
final class FaultInjector {

    static final Set<String> ENDPOINTS = Set.of("connect.sessions", "connect.sessions.reauthenticate", "auth.token",
            "introspect", "disconnect", "employer.company");
    private static final Set<Integer> STATUSES = Set.of(429, 500, 502, 503);

    /** One configured fault; {@code remaining} null means until cleared. */
    record Fault(long latencyMs, Integer status, Integer retryAfterSeconds, boolean reset, Integer remaining) {

        static Fault parse(JsonObject body) {
            long latency = nonNegative(body, "latency_ms", 0);
            Integer status = body.getInteger("status");
            if (status != null && !STATUSES.contains(status)) {
                throw FinchError.invalidRequest("status must be one of " + STATUSES);
            }
            Integer retryAfter = body.getInteger("retry_after_seconds");
            if (retryAfter != null && (retryAfter < 0 || status == null || (status != 429 && status != 503))) {
                throw FinchError.invalidRequest("retry_after_seconds needs status 429 or 503 and must not be negative");
            }
            boolean reset = Boolean.TRUE.equals(body.getBoolean("reset"));
            if (reset && status != null) {
                throw FinchError.invalidRequest("reset and status exclude each other");
            }
            Integer times = body.getInteger("times");
            if (times != null && times < 1) {
                throw FinchError.invalidRequest("times must be at least 1");
            }
            return new Fault(latency, status, retryAfter, reset, times);
        }

        private static long nonNegative(JsonObject body, String field, long defaultValue) {
            Long value = body.getLong(field);
            if (value != null && value < 0) {
                throw FinchError.invalidRequest(field + " must not be negative");
            }
            return value == null ? defaultValue : value;
        }

        JsonObject toJson() {
            return new JsonObject().put("latency_ms", latencyMs).put("status", status)
                    .put("retry_after_seconds", retryAfterSeconds).put("reset", reset).put("times", remaining);
        }

        Fault consumed() {
            return remaining == null ? this : new Fault(latencyMs, status, retryAfterSeconds, reset, remaining - 1);
        }
    }

    private final Vertx vertx;
    private final Map<String, Fault> faults = new HashMap<>();

    FaultInjector(Vertx vertx) {
        this.vertx = vertx;
    }

    synchronized void set(String endpointKey, Fault fault) {
        if (!ENDPOINTS.contains(endpointKey)) {
            throw FinchError.notFound("unknown_endpoint", "No fault endpoint " + endpointKey + "; use one of " + ENDPOINTS);
        }
        faults.put(endpointKey, fault);
    }

    synchronized void clear() {
        faults.clear();
    }

    synchronized JsonObject snapshot() {
        JsonObject json = new JsonObject();
        faults.forEach((key, fault) -> json.put(key, fault.toJson()));
        return json;
    }

    Handler<RoutingContext> injecting(String endpointKey) {
        return ctx -> {
            Fault fault = take(endpointKey);
            if (fault == null) {
                ctx.next();
            } else if (fault.latencyMs() > 0) {
                vertx.setTimer(fault.latencyMs(), timer -> apply(ctx, fault));
            } else {
                apply(ctx, fault);
            }
        };
    }

    private synchronized Fault take(String endpointKey) {
        Fault fault = faults.get(endpointKey);
        if (fault != null) {
            Fault left = fault.consumed();
            if (left.remaining() != null && left.remaining() == 0) {
                faults.remove(endpointKey);
            } else {
                faults.put(endpointKey, left);
            }
        }
        return fault;
    }

    private static void apply(RoutingContext ctx, Fault fault) {
        if (fault.reset()) {
            ctx.request().connection().close();
        } else if (fault.status() != null) {
            if (fault.retryAfterSeconds() != null) {
                ctx.response().putHeader("Retry-After", String.valueOf(fault.retryAfterSeconds()));
            }
            ctx.fail(FinchError.forStatus(fault.status()));
        } else {
            ctx.next();
        }
    }
}
