package io.finchconnect.simulator;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Injects per-endpoint faults for a number of requests: latency, an error answer in Finch's shape (400, 401 {@code
 * invalid_token_error}, 404 {@code not_found_error}, 408, 409, 429 or 5xx, with
 * Finch's retry headers {@code Retry-After} (raw: seconds, fractions, or an HTTP date), {@code retry-after-ms} and
 * {@code x-should-retry} when asked), the answer of something in front of Finch ({@code not_finch}: a proxy's HTML
 * page with a 401, 403, 404, 407, 502, 503 or 504, never Finch's error shape), a connection reset, an answer
 * held on its way back ({@code hold_answer}: Finch's answer as it stood when the request arrived, sent when the
 * tests release it, where {@code latency_ms} delays the request before Finch reads its state), or a 5xx after
 * Finch did the work ({@code after_processing} with a status of 500, 502 or 503, Finch's shape or {@code not_finch}:
 * the request is carried out, its answer lost to the error, as when a gateway gives up on a call Finch completed). A fault covers every request of its endpoint, or only
 * those about one connection or customer ({@link RequestScope}); a request meets the narrowest fault that covers
 * it (its connection's, then its customer's, then the endpoint's for every request), and only that one counts it.
 */
final class FaultInjector {

    static final Set<String> ENDPOINTS = Set.of("connect.sessions", "connect.sessions.reauthenticate", "auth.token",
            "introspect", "disconnect", "disconnect.entity", "employer.company", "jobs.automated");
    private static final Set<Integer> STATUSES = Set.of(400, 401, 404, 408, 409, 429, 500, 501, 502, 503);
    private static final Set<Integer> NOT_FINCH_STATUSES = Set.of(401, 403, 404, 407, 502, 503, 504);

    /** One configured fault; {@code remaining} null means until cleared. */
    record Fault(long latencyMs, Integer status, Integer retryAfterSeconds, boolean reset, Integer remaining,
                 String retryAfter, String retryAfterMs, Boolean shouldRetry, boolean notFinch, boolean holdAnswer,
                 boolean afterProcessing) {

        static Fault parse(JsonObject body) {
            long latency = nonNegative(body, "latency_ms", 0);
            Integer status = body.getInteger("status");
            boolean notFinch = Boolean.TRUE.equals(body.getBoolean("not_finch"));
            if (notFinch && (status == null || !NOT_FINCH_STATUSES.contains(status))) {
                throw FinchError.invalidRequest("not_finch needs a status of " + NOT_FINCH_STATUSES);
            }
            if (status != null && !notFinch && !STATUSES.contains(status)) {
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
            String rawRetryAfter = body.getString("retry_after");
            String retryAfterMs = body.getString("retry_after_ms");
            Boolean shouldRetry = body.getBoolean("should_retry");
            if ((rawRetryAfter != null || retryAfterMs != null || shouldRetry != null) && status == null) {
                throw FinchError.invalidRequest("retry_after, retry_after_ms and should_retry need a status");
            }
            boolean holdAnswer = Boolean.TRUE.equals(body.getBoolean("hold_answer"));
            if (holdAnswer && (status != null || reset)) {
                throw FinchError.invalidRequest("hold_answer holds Finch's own answer: no status, no reset");
            }
            boolean afterProcessing = Boolean.TRUE.equals(body.getBoolean("after_processing"));
            if (afterProcessing && (status == null || !Set.of(500, 502, 503).contains(status) || holdAnswer)) {
                throw FinchError.invalidRequest("after_processing needs a status of 500, 502 or 503, and no hold_answer");
            }
            return new Fault(latency, status, retryAfter, reset, times, rawRetryAfter, retryAfterMs, shouldRetry, notFinch,
                    holdAnswer, afterProcessing);
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
                    .put("retry_after_seconds", retryAfterSeconds).put("reset", reset).put("times", remaining)
                    .put("retry_after", retryAfter).put("retry_after_ms", retryAfterMs).put("should_retry", shouldRetry)
                    .put("not_finch", notFinch).put("hold_answer", holdAnswer)
                    .put("after_processing", afterProcessing);
        }

        Fault consumed() {
            return remaining == null ? this : new Fault(latencyMs, status, retryAfterSeconds, reset, remaining - 1,
                    retryAfter, retryAfterMs, shouldRetry, notFinch, holdAnswer, afterProcessing);
        }
    }

    /** Where a request carries its {@code hold_answer} to {@link FinchApi#respond}: what takes the answer to hold. */
    static final String HOLD_ANSWER = "hold-answer";
    /** Where a request carries its {@code after_processing} error to {@link FinchApi#respond}: what answers instead. */
    static final String ANSWER_LOST = "answer-lost";

    private final Vertx vertx;
    private final Map<RequestScope, Map<String, Fault>> faults = new HashMap<>();
    private final List<Runnable> heldAnswers = new ArrayList<>();

    FaultInjector(Vertx vertx) {
        this.vertx = vertx;
    }

    synchronized void set(RequestScope scope, String endpointKey, Fault fault) {
        if (!ENDPOINTS.contains(endpointKey)) {
            throw FinchError.notFound("No fault endpoint " + endpointKey + "; use one of " + ENDPOINTS);
        }
        faults.computeIfAbsent(scope, key -> new HashMap<>()).put(endpointKey, fault);
    }

    private synchronized void hold(Runnable answer) {
        heldAnswers.add(answer);
    }

    /** Sends every held answer, in the order they were held; how many. */
    int releaseHeldAnswers() {
        List<Runnable> answers;
        synchronized (this) {
            answers = List.copyOf(heldAnswers);
            heldAnswers.clear();
        }
        answers.forEach(answer -> vertx.runOnContext(ignored -> answer.run()));
        return answers.size();
    }

    /** Answers held now. */
    synchronized int heldAnswers() {
        return heldAnswers.size();
    }

    /** Clears the scope's faults; for every request, every fault (scoped ones too). */
    synchronized void clear(RequestScope scope) {
        if (scope.isEveryRequest()) {
            faults.clear();
        } else {
            faults.remove(scope);
        }
    }

    /** The scope's own faults by endpoint. */
    synchronized JsonObject snapshot(RequestScope scope) {
        JsonObject json = new JsonObject();
        faults.getOrDefault(scope, Map.of()).forEach((key, fault) -> json.put(key, fault.toJson()));
        return json;
    }

    Handler<RoutingContext> injecting(String endpointKey) {
        return ctx -> {
            Fault fault = take(RequestSubject.of(ctx), endpointKey);
            if (fault == null) {
                ctx.next();
            } else if (fault.latencyMs() > 0) {
                vertx.setTimer(fault.latencyMs(), timer -> apply(ctx, fault));
            } else {
                apply(ctx, fault);
            }
        };
    }

    private synchronized Fault take(RequestSubject subject, String endpointKey) {
        List<RequestScope> scopes = new ArrayList<>(RequestScope.narrowestFirst(subject));
        scopes.add(RequestScope.EVERY_REQUEST);
        for (RequestScope scope : scopes) {
            Map<String, Fault> ofScope = faults.get(scope);
            Fault fault = ofScope == null ? null : ofScope.get(endpointKey);
            if (fault != null) {
                Fault left = fault.consumed();
                if (left.remaining() != null && left.remaining() == 0) {
                    ofScope.remove(endpointKey);
                    if (ofScope.isEmpty() && !scope.isEveryRequest()) {
                        faults.remove(scope);
                    }
                } else {
                    ofScope.put(endpointKey, left);
                }
                return fault;
            }
        }
        return null;
    }

    private void apply(RoutingContext ctx, Fault fault) {
        if (fault.afterProcessing()) {
            ctx.put(ANSWER_LOST, (Runnable) () -> answerWithError(ctx, fault));
            ctx.next();
        } else if (fault.reset()) {
            ctx.request().connection().close();
        } else if (fault.status() != null) {
            answerWithError(ctx, fault);
        } else {
            if (fault.holdAnswer()) {
                ctx.put(HOLD_ANSWER, (Consumer<Runnable>) this::hold);
            }
            ctx.next();
        }
    }

    private static void answerWithError(RoutingContext ctx, Fault fault) {
        if (fault.notFinch()) {
            ctx.response().setStatusCode(fault.status()).putHeader("Content-Type", "text/html")
                    .end("<html><head><title>" + fault.status() + "</title></head><body><center><h1>" + fault.status()
                            + "</h1></center><hr><center>nginx</center></body></html>");
        } else {
            if (fault.retryAfterSeconds() != null) {
                ctx.response().putHeader("Retry-After", String.valueOf(fault.retryAfterSeconds()));
            }
            if (fault.retryAfter() != null) {
                ctx.response().putHeader("Retry-After", fault.retryAfter());
            }
            if (fault.retryAfterMs() != null) {
                ctx.response().putHeader("retry-after-ms", fault.retryAfterMs());
            }
            if (fault.shouldRetry() != null) {
                ctx.response().putHeader("x-should-retry", String.valueOf(fault.shouldRetry()));
            }
            ctx.fail(fault.status() == 400 ? FinchError.invalidRequest("Injected refusal") : FinchError.forStatus(fault.status()));
        }
    }
}
