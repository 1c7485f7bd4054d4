package io.finchconnect.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The machine's one-minute load average, sampled every five seconds while a benchmark runs, for its results
 * file: on a shared machine it says how much else competed for the cores during the run.
 */
final class LoadAverage {

    private final List<Double> samples = new ArrayList<>();
    private ScheduledExecutorService sampler;

    synchronized void start() {
        sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "load-average");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleAtFixedRate(this::sample, 0, 5, TimeUnit.SECONDS);
    }

    synchronized void stop() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
        sample();
    }

    private synchronized void sample() {
        double value = now();
        if (!Double.isNaN(value)) {
            samples.add(value);
        }
    }

    /** The one-minute load average now, or NaN off Linux. */
    static double now() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /** "min / mean / max over n samples" of the one-minute load average. */
    synchronized String describe() {
        if (samples.isEmpty()) {
            return "not sampled";
        }
        double min = samples.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = samples.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double mean = samples.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        return String.format("1-min load average %.1f min / %.1f mean / %.1f max (%d samples, every 5 s)", min, mean,
                max, samples.size());
    }
}
