package io.finchconnect.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.finchconnect.testing.ServiceProcess;

/**
 * The service process's memory: resident set size from {@code /proc/<pid>/status} (Linux) and the JVM's heap
 * from its own metrics ({@code jvm_memory_used_bytes} and {@code _committed_bytes}, area heap, at
 * {@code /q/metrics}); sampled in the background to find the peak.
 */
final class ServiceMemory implements AutoCloseable {

    record Snapshot(long rssMib, long heapUsedMib, long heapCommittedMib, long heapMaxMib) {
    }

    private final long pid;
    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong peakRssKib = new AtomicLong();
    private final AtomicLong peakHeapUsed = new AtomicLong();
    private final AtomicLong peakHeapCommitted = new AtomicLong();
    private ScheduledExecutorService sampler;

    ServiceMemory(long pid, String metricsUrl) {
        this.pid = pid;
        this.metrics = URI.create(metricsUrl);
    }

    Snapshot now() {
        long[] heap = heap();
        return new Snapshot(rssKib() / 1024, heap[0] >> 20, heap[1] >> 20, heap[2] >> 20);
    }

    /** Starts sampling: RSS every 100 ms, heap every second. */
    void startSampling() {
        peakRssKib.set(rssKib());
        sampler = Executors.newScheduledThreadPool(2);
        sampler.scheduleAtFixedRate(() -> peakRssKib.accumulateAndGet(rssKib(), Math::max), 0, 100, TimeUnit.MILLISECONDS);
        sampler.scheduleAtFixedRate(() -> {
            long[] heap = heap();
            peakHeapUsed.accumulateAndGet(heap[0], Math::max);
            peakHeapCommitted.accumulateAndGet(heap[1], Math::max);
        }, 0, 1, TimeUnit.SECONDS);
    }

    /** Stops sampling; the peaks seen (heap max as the JVM reports it now). */
    Snapshot peak() throws InterruptedException {
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
        return new Snapshot(peakRssKib.get() / 1024, peakHeapUsed.get() >> 20, peakHeapCommitted.get() >> 20, heap()[2] >> 20);
    }

    private long rssKib() {
        return ServiceProcess.rssKib(pid);
    }

    /** Used, committed and max heap in bytes, summed over the heap's pools; zeros when unreadable. */
    private long[] heap() {
        long[] sums = new long[3];
        try {
            String text = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (!line.contains("area=\"heap\"")) {
                    continue;
                }
                int kind = line.startsWith("jvm_memory_used_bytes{") ? 0
                        : line.startsWith("jvm_memory_committed_bytes{") ? 1
                        : line.startsWith("jvm_memory_max_bytes{") ? 2 : -1;
                if (kind >= 0) {
                    double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    if (value > 0) {
                        sums[kind] += (long) value;
                    }
                }
            }
        } catch (Exception e) {
            // an unreadable sample is skipped; the peak comes from the others
        }
        return sums;
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }
}
