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
 * counts its own calls and not those of a sweeper or another test. Also the most requests of each endpoint that
 * were in flight at once (received, not yet answered), for every request: what a caller that serializes its
 * calls (a pool held across them, say) cannot exceed.
 */
final class RequestCounter {

    private final Map<RequestScope, Map<String, AtomicLong>> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> peakInFlight = new ConcurrentHashMap<>();

    Handler<RoutingContext> counting(String endpointKey) {
        return ctx -> {
            count(RequestScope.EVERY_REQUEST, endpointKey);
            RequestScope.narrowestFirst(RequestSubject.of(ctx)).forEach(scope -> count(scope, endpointKey));
            AtomicLong now = inFlight.computeIfAbsent(endpointKey, key -> new AtomicLong());
            long current = now.incrementAndGet();
            peakInFlight.computeIfAbsent(endpointKey, key -> new AtomicLong()).accumulateAndGet(current, Math::max);
            ctx.addEndHandler(ended -> now.decrementAndGet());
            ctx.next();
        };
    }

    /** Per endpoint, the most requests in flight at once since the last reset of every count. */
    JsonObject peaks() {
        JsonObject json = new JsonObject();
        new TreeMap<>(peakInFlight).forEach((key, peak) -> json.put(key, peak.get()));
        return json;
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
            peakInFlight.clear();
        } else {
            counts.remove(scope);
        }
    }
}
