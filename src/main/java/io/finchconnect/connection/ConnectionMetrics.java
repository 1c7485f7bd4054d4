package io.finchconnect.connection;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * Connections per status (read from the table on every instance), reauth episodes opened and closed, and the
 * time from detection to {@code reauthenticated}.
 */
@ApplicationScoped
public class ConnectionMetrics {

    private static final String PER_STATUS = "SELECT status, count(*) AS connections FROM connections GROUP BY status";

    private final Pool pool;
    private final Map<ConnectionStatus, AtomicLong> perStatus = new EnumMap<>(ConnectionStatus.class);
    private final Counter opened;
    private final Counter closed;
    private final Timer toReauthenticated;

    ConnectionMetrics(MeterRegistry registry, Pool pool) {
        this.pool = pool;
        for (ConnectionStatus status : ConnectionStatus.values()) {
            AtomicLong count = new AtomicLong();
            perStatus.put(status, count);
            Gauge.builder("finch.connections", count, AtomicLong::get).tag("status", status.finchName())
                    .description("Connections per status").register(registry);
        }
        opened = Counter.builder("reauth.episodes.opened").description("Connections that began to need the employer back")
                .register(registry);
        closed = Counter.builder("reauth.episodes.closed").description("Reauth episodes ended by reauthenticated")
                .register(registry);
        toReauthenticated = Timer.builder("reauth.time.to.reauthenticated")
                .description("From detection of a reauth episode to reauthenticated").publishPercentileHistogram()
                .register(registry);
    }

    void transitioned(StatusTransition transition, Duration sinceDetection) {
        if (transition.entersReauth()) {
            opened.increment();
        } else if (transition.endsReauth()) {
            closed.increment();
            if (sinceDetection != null && !sinceDetection.isNegative()) {
                toReauthenticated.record(sinceDetection);
            }
        }
    }

    @Scheduled(every = "${inbox.stats-interval:5s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return pool.query(PER_STATUS).execute().invoke(rows -> {
            perStatus.values().forEach(count -> count.set(0));
            for (Row row : rows) {
                ConnectionStatus.fromFinch(row.getString("status"))
                        .ifPresent(status -> perStatus.get(status).set(row.getLong("connections")));
            }
        }).replaceWithVoid().onFailure().recoverWithNull();
    }
}
