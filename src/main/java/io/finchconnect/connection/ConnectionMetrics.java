package io.finchconnect.connection;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.finchconnect.lifecycle.ConnectionStatus;

/**
 * Connections per status, read from the table on every instance (the reauth episodes' own metrics are
 * {@code ReauthMetrics}'s).
 */
@ApplicationScoped
public class ConnectionMetrics {

    private final Pool pool;
    private final Map<ConnectionStatus, AtomicLong> perStatus = new EnumMap<>(ConnectionStatus.class);

    ConnectionMetrics(MeterRegistry registry, Pool pool) {
        this.pool = pool;
        for (ConnectionStatus status : ConnectionStatus.values()) {
            AtomicLong count = new AtomicLong();
            perStatus.put(status, count);
            Gauge.builder("finch.connections", count, AtomicLong::get).tag("status", status.finchName())
                    .description("Connections per status").register(registry);
        }
    }

    @Scheduled(every = "${inbox.stats-interval:5s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return ConnectionStore.countPerStatus(pool).invoke(counts -> {
            perStatus.values().forEach(count -> count.set(0));
            counts.forEach((name, connections) -> ConnectionStatus.fromFinch(name)
                    .ifPresent(status -> perStatus.get(status).set(connections)));
        }).replaceWithVoid().onFailure().recoverWithNull();
    }
}
