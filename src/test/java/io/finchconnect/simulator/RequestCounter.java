package io.finchconnect.simulator;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the requests received per endpoint key, faulted or rejected ones included, so tests can assert calls:
 * for every request, and per connection and customer a request is about ({@link RequestSubject}), so a test
 * counts its own calls and not those of a sweeper or another test.
 */
final class RequestCounter {

    private final Map<RequestScope, Map<String, AtomicLong>> counts = new ConcurrentHashMap<>();

    Handler<RoutingContext> counting(String endpointKey) {
        return ctx -> {
            count(RequestScope.EVERY_REQUEST, endpointKey);
            RequestScope.narrowestFirst(RequestSubject.of(ctx)).forEach(scope -> count(scope, endpointKey));
            ctx.next();
        };
    }

    private void count(RequestScope scope, String endpointKey) {
        counts.computeIfAbsent(scope, key -> new ConcurrentHashMap<>())
                .computeIfAbsent(endpointKey, key -> new AtomicLong()).incrementAndGet();
    }

    JsonObject snapshot(RequestScope scope) {
        JsonObject json = new JsonObject();
        new TreeMap<>(counts.getOrDefault(scope, Map.of())).forEach((key, count) -> json.put(key, count.get()));
        return json;
    }

    /** Resets the scope's counts; for every request, every count (scoped ones too). */
    void reset(RequestScope scope) {
        if (scope.isEveryRequest()) {
            counts.clear();
        } else {
            counts.remove(scope);
        }
    }
}
