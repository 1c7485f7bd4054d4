package io.finchconnect.simulator;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the requests received per endpoint key, faulted or rejected ones included, so tests can assert calls. */
final class RequestCounter {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    Handler<RoutingContext> counting(String endpointKey) {
        return ctx -> {
            counts.computeIfAbsent(endpointKey, key -> new AtomicLong()).incrementAndGet();
            ctx.next();
        };
    }

    JsonObject snapshot() {
        JsonObject json = new JsonObject();
        new TreeMap<>(counts).forEach((key, count) -> json.put(key, count.get()));
        return json;
    }

    void reset() {
        counts.clear();
    }
}
