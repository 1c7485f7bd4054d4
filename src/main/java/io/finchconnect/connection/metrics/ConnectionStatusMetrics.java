package io.finchconnect.connection.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.connection.ConnectionStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * {@code finch_connections{status}}: how many connections are in each status, read from the table, for the
 * dashboard (deploy/components/outbox-monitoring). Every status is reported, 0 included, so a status that
 * empties drops to 0 instead of keeping its last count.
 */
@ApplicationScoped
public class ConnectionStatusMetrics {

    private static final Logger LOG = Logger.getLogger(ConnectionStatusMetrics.class);
    private static final String COUNT_BY_STATUS = "SELECT status, count(*) AS connections FROM connections GROUP BY status";

    private final Pool pool;
    private final MultiGauge connections;

    ConnectionStatusMetrics(Pool pool, MeterRegistry registry) {
        this.pool = pool;
        this.connections = MultiGauge.builder("finch.connections").description("Connections by status")
                .register(registry);
    }

    @Scheduled(every = "30s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> refresh() {
        return pool.query(COUNT_BY_STATUS).execute().invoke(rows -> {
            Map<String, Long> counts = new HashMap<>();
            for (Row row : rows) {
                counts.put(row.getString("status"), row.getLong("connections"));
            }
            List<MultiGauge.Row<?>> gauges = new ArrayList<>();
            for (ConnectionStatus status : ConnectionStatus.values()) {
                gauges.add(MultiGauge.Row.of(Tags.of("status", status.finchName()),
                        counts.getOrDefault(status.finchName(), 0L)));
            }
            connections.register(gauges, true);
        }).replaceWithVoid()
                .onFailure().invoke(failure -> LOG.debugf("Connection counts unavailable: %s", failure.toString()))
                .onFailure().recoverWithNull();
    }
}
