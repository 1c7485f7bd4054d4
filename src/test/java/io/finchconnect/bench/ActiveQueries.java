package io.finchconnect.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sampling profile of PostgreSQL ({@code -Dbench.sample-queries=true}): every few milliseconds, which
 * statements are running ({@code pg_stat_activity}); the ones seen most often are where the database's time goes.
 * Diagnosis only: its own queries take some of the machine.
 */
final class ActiveQueries implements AutoCloseable {

    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile int samples;

    ActiveQueries(Map<String, String> config) {
        thread = new Thread(() -> sample(config), "bench-active-queries");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample(Map<String, String> config) {
        try (Connection db = DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
             Statement statement = db.createStatement()) {
            while (running) {
                try (ResultSet rows = statement.executeQuery("SELECT coalesce(wait_event_type, 'cpu'), query FROM pg_stat_activity "
                        + "WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'")) {
                    while (rows.next()) {
                        String query = rows.getString(2).replaceAll("\\s+", " ").trim();
                        String key = rows.getString(1) + " | " + query.substring(0, Math.min(140, query.length()));
                        seen.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                    }
                }
                samples++;
                Thread.sleep(5);
            }
        } catch (Exception e) {
            System.out.println("[webhook-bench] query sampling stopped: " + e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
        System.out.printf("[webhook-bench] PostgreSQL statements running, over %d samples (wait type | statement):%n", samples);
        seen.entrySet().stream().sorted((a, b) -> b.getValue().get() - a.getValue().get()).limit(15)
                .forEach(e -> System.out.printf("[webhook-bench]   %6d  %s%n", e.getValue().get(), e.getKey()));
    }
}
