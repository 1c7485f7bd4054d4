package io.finchconnect.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.finchconnect.testing.ServiceProcess;

/**
 * Samples the service while a window is measured: heap used, live threads and requests waiting for a database
 * connection from its {@code /q/metrics}, resident memory from {@code /proc/<pid>/status}. Keeps the maximum of each.
 */
final class ServiceGauges implements AutoCloseable {

    /** Maxima over the samples; -1 where no sample could be read. */
    record Maxima(long heapUsedBytes, long liveThreads, long rssBytes, long databaseQueue, int samples) {
    }

    private final URI metrics;
    private final long pid;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "bench-service-gauges");
        thread.setDaemon(true);
        return thread;
    });
    private long heap = -1;
    private long threads = -1;
    private long rss = -1;
    private long databaseQueue = -1;
    private int samples;

    private ServiceGauges(URI metrics, long pid) {
        this.metrics = metrics;
        this.pid = pid;
    }

    static ServiceGauges sampleEvery(Duration period, URI metrics, long pid) {
        ServiceGauges gauges = new ServiceGauges(metrics, pid);
        gauges.timer.scheduleAtFixedRate(gauges::sample, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return gauges;
    }

    synchronized Maxima maxima() {
        return new Maxima(heap, threads, rss, databaseQueue, samples);
    }

    private void sample() {
        try {
            String text = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            long heapNow = 0;
            long threadsNow = -1;
            long queueNow = -1;
            for (String line : text.split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    heapNow += (long) value(line);
                } else if (line.startsWith("jvm_threads_live_threads")) {
                    threadsNow = (long) value(line);
                } else if (line.startsWith("sql_pool_queue_size{")) {
                    // Requests waiting for one of the reactive PostgreSQL pool's connections.
                    queueNow = Math.max(queueNow, (long) value(line));
                }
            }
            long rssNow = rssBytes();
            synchronized (this) {
                heap = Math.max(heap, heapNow);
                threads = Math.max(threads, threadsNow);
                rss = Math.max(rss, rssNow);
                databaseQueue = Math.max(databaseQueue, queueNow);
                samples++;
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // A sample missed under load is no figure; the maxima come from the others.
        }
    }

    private long rssBytes() {
        return ServiceProcess.rssKib(pid) * 1024;
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
