package io.finchconnect.outbox;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.outbox.OutboxPublisher.SendOutcome;
import io.finchconnect.outbox.OutboxStore.OutboxStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The outbox's meters: what the relay published, failed and parked, the commit-to-ack latency, and the
 * backlog as last read from the table (refreshed by {@link OutboxMonitor} on every instance), in total and per
 * partition, and this instance's share of the partitions.
 */
@ApplicationScoped
public class OutboxMetrics implements OutboxRelay.RelayListener {

    private final Counter published;
    private final Counter failed;
    private final Counter parkedRows;
    private final Timer latency;
    private final Counter fenced;
    private final MultiGauge perPartition;
    private final AtomicReference<OutboxStats> stats = new AtomicReference<>(OutboxStats.NONE);
    private final AtomicInteger ownedPartitions = new AtomicInteger();
    private final AtomicInteger liveRelays = new AtomicInteger();

    OutboxMetrics(MeterRegistry registry) {
        published = Counter.builder("outbox.published").description("Outbox rows acknowledged by Kafka")
                .register(registry);
        failed = Counter.builder("outbox.failed").description("Outbox sends that failed (retried or parked)")
                .register(registry);
        parkedRows = Counter.builder("outbox.parked.rows").description("Outbox rows parked after failing too often")
                .register(registry);
        latency = Timer.builder("outbox.publish.latency").description("From the outbox insert to Kafka's ack")
                .publishPercentileHistogram().publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder("outbox.pending", stats, s -> s.get().pending()).description("Rows waiting to be published")
                .register(registry);
        Gauge.builder("outbox.oldest.pending.age", stats, s -> oldestPendingAge(s.get()).toMillis() / 1000.0)
                .description("Age in seconds of the oldest row waiting to be published").baseUnit("seconds")
                .register(registry);
        Gauge.builder("outbox.parked", stats, s -> s.get().parked()).description("Rows parked, waiting for an operator")
                .register(registry);
        perPartition = MultiGauge.builder("outbox.partition.pending").description("Rows waiting to be published, per partition")
                .register(registry);
        Gauge.builder("outbox.partitions.unowned", stats, s -> s.get().unownedPartitions())
                .description("Outbox partitions without a live owner (their rows wait)").register(registry);
        Gauge.builder("outbox.partitions.owned", ownedPartitions, AtomicInteger::get)
                .description("Outbox partitions this instance's relay owns").register(registry);
        Gauge.builder("outbox.relays.live", liveRelays, AtomicInteger::get)
                .description("Live relays sharing the partitions, as this instance last saw them").register(registry);
        fenced = Counter.builder("outbox.fenced.rows")
                .description("Sent rows whose settling was refused: their partition had passed to another owner")
                .register(registry);
    }

    @Override
    public void fenced(int rows) {
        fenced.increment(rows);
    }

    @Override
    public void ownership(int owned, int liveMembers) {
        ownedPartitions.set(owned);
        liveRelays.set(liveMembers);
    }

    @Override
    public void published(List<SendOutcome> sent) {
        OffsetDateTime now = OffsetDateTime.now();
        published.increment(sent.size());
        for (SendOutcome outcome : sent) {
            latency.record(Duration.between(outcome.message().createdAt(), now));
        }
    }

    @Override
    public void failed(int rows) {
        failed.increment(rows);
    }

    @Override
    public void parked(int rows) {
        parkedRows.increment(rows);
    }

    void update(OutboxStats latest) {
        stats.set(latest);
        // Every partition, so one that emptied shows 0 rather than its last backlog.
        List<MultiGauge.Row<?>> rows = new ArrayList<>(PartitionLeases.PARTITIONS);
        for (int partition = 0; partition < PartitionLeases.PARTITIONS; partition++) {
            rows.add(MultiGauge.Row.of(Tags.of("partition", String.valueOf(partition)),
                    latest.pendingPerPartition().getOrDefault(partition, 0L)));
        }
        perPartition.register(rows, true);
    }

    public OutboxStats stats() {
        return stats.get();
    }

    public Duration oldestPendingAge() {
        return oldestPendingAge(stats.get());
    }

    private static Duration oldestPendingAge(OutboxStats stats) {
        return stats.oldestPending() == null ? Duration.ZERO
                : Duration.between(stats.oldestPending(), OffsetDateTime.now());
    }
}
