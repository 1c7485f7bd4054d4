package io.finchconnect.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * A closed-loop load: each of {@code clients} clients sends its next POST as soon as the answer to its previous
 * one arrived, over keep-alive connections (one per client). Answers that arrive inside the measured window,
 * after a warm-up, count; the throughput of a closed loop is therefore bounded by clients / latency.
 */
final class ClosedLoopLoad {

    /** What to send: a URL, fixed headers and the body of each client's n-th request. */
    record Target(URI url, Map<String, String> headers, BodyFactory body) {
    }

    @FunctionalInterface
    interface BodyFactory {
        String body(int client, long sequence);
    }

    /** The figures of one measured window; latencies of 2xx answers in microseconds. */
    record Result(int clients, long succeeded, long non2xx, long failed, Duration window, Histogram latencies) {

        double throughput() {
            return succeeded / (window.toNanos() / 1e9);
        }

        Duration percentile(double percentile) {
            return latencies.getTotalCount() == 0 ? Duration.ZERO
                    : Duration.ofNanos(latencies.getValueAtPercentile(percentile) * 1_000);
        }
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final Vertx vertx;

    ClosedLoopLoad(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Told when the measured window starts and ends, to sample the processes under load. */
    interface WindowListener {
        void started();

        void ended();
    }

    Result run(Target target, int clients, Duration warmup, Duration measured, WindowListener listener)
            throws InterruptedException {
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                        .setConnectTimeout(10_000).setIdleTimeout(0),
                new PoolOptions().setHttp1MaxSize(clients).setMaxWaitQueueSize(-1));
        Window window = new Window(System.nanoTime() + warmup.toNanos(), measured);
        CountDownLatch stopped = new CountDownLatch(clients);
        for (int client = 0; client < clients; client++) {
            new Client(http, target, client, window, stopped).next();
        }
        TimeUnit.NANOSECONDS.sleep(window.start - System.nanoTime());
        listener.started();
        TimeUnit.NANOSECONDS.sleep(window.end - System.nanoTime());
        listener.ended();
        // Clients stop after their request in flight; a closed loop has at most one per client.
        stopped.await(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        http.close().toCompletionStage().toCompletableFuture().join();
        return new Result(clients, window.succeeded.get(), window.non2xx.get(), window.failed.get(), measured,
                window.latencies.getIntervalHistogram());
    }

    /** The measured window and what was counted in it, shared by all clients. */
    private static final class Window {
        final long start;
        final long end;
        final Recorder latencies = new Recorder(3);
        final AtomicLong succeeded = new AtomicLong();
        final AtomicLong non2xx = new AtomicLong();
        final AtomicLong failed = new AtomicLong();

        Window(long start, Duration measured) {
            this.start = start;
            this.end = start + measured.toNanos();
        }

        void record(long sentAt, long answeredAt, Integer status) {
            if (answeredAt < start || answeredAt >= end) {
                return;
            }
            if (status == null) {
                failed.incrementAndGet();
            } else if (status / 100 != 2) {
                non2xx.incrementAndGet();
            } else {
                succeeded.incrementAndGet();
                latencies.recordValue(Math.max(1, (answeredAt - sentAt) / 1_000));
            }
        }
    }

    private static final class Client {
        private final HttpClient http;
        private final RequestOptions options;
        private final BodyFactory bodies;
        private final int client;
        private final Window window;
        private final CountDownLatch stopped;
        private long sequence;

        Client(HttpClient http, Target target, int client, Window window, CountDownLatch stopped) {
            this.http = http;
            this.options = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.url().getHost())
                    .setPort(target.url().getPort()).setURI(target.url().getRawPath())
                    .setIdleTimeout(REQUEST_TIMEOUT.toMillis());
            target.headers().forEach(options::putHeader);
            this.bodies = target.body();
            this.client = client;
            this.window = window;
            this.stopped = stopped;
        }

        void next() {
            long sentAt = System.nanoTime();
            if (sentAt >= window.end) {
                stopped.countDown();
                return;
            }
            Buffer body = Buffer.buffer(bodies.body(client, sequence++));
            http.request(options)
                    .compose(request -> request.send(body))
                    .compose(response -> response.body().map(ignored -> response.statusCode()))
                    .onComplete(answer -> {
                        window.record(sentAt, System.nanoTime(), answer.succeeded() ? answer.result() : null);
                        next();
                    });
        }
    }
}
