package io.finchconnect.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A real PostgreSQL server for tests and the local stack, run from the zonky binaries in a data directory that
 * survives stop, restart and new JVMs, with a {@code finch} database.
 */
public final class EmbeddedPostgresServer implements TestServer, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresServer.class);
    private static final String DATABASE = "finch";
    // initdb runs with trust authentication, so any password is accepted; clients still need one to send.
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";

    private final Path dataDir;
    private final Path logFile;
    private int port;
    private final boolean stopOnJvmExit;
    private EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(Path dataDir, int port, boolean stopOnJvmExit) {
        this.dataDir = dataDir.toAbsolutePath();
        this.logFile = this.dataDir.resolveSibling(this.dataDir.getFileName() + "-postgres.log");
        this.port = port;
        this.stopOnJvmExit = stopOnJvmExit;
    }

    /** Starts PostgreSQL on {@code port} (0 picks a free one), keeping any data already in {@code dataDir}. */
    public static EmbeddedPostgresServer start(Path dataDir, int port) {
        return start(dataDir, port, true);
    }

    /**
     * As {@link #start(Path, int)}, but only {@link #close()} stops it, not a JVM exit hook of its own: for an owner
     * that stops things in order at exit (the local stack stops the service before its database).
     */
    public static EmbeddedPostgresServer startStoppedByOwner(Path dataDir, int port) {
        return start(dataDir, port, false);
    }

    private static EmbeddedPostgresServer start(Path dataDir, int port, boolean stopOnJvmExit) {
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(dataDir, port, stopOnJvmExit);
        server.startPostgres();
        server.createDatabaseIfMissing();
        return server;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/" + DATABASE;
    }

    public String reactiveUrl() {
        return "postgresql://localhost:" + port + "/" + DATABASE;
    }

    public String username() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int port() {
        return port;
    }

    /** Stops the server (fast shutdown: open sessions are ended), keeping the data. */
    @Override
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        long begin = System.nanoTime();
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop PostgreSQL on port " + port, e);
        } finally {
            postgres = null;
        }
        LOG.infof("PostgreSQL on port %d stopped in %d ms", port, millisSince(begin));
    }

    /** Starts the stopped server again on the same port and data directory. */
    @Override
    public synchronized void start() {
        if (postgres == null) {
            startPostgres();
        }
    }

    /** Stops the server and starts it again on the same port and data directory. */
    public synchronized void restart() {
        stop();
        startPostgres();
    }

    /**
     * Not supported: the server runs with {@code fsync} and {@code full_page_writes} off for speed, so a
     * {@code kill -9} could leave its data directory corrupt for every later test of the run.
     */
    @Override
    public void kill() {
        throw new UnsupportedOperationException("The embedded PostgreSQL cannot be killed: it runs with fsync and "
                + "full_page_writes off, so a kill -9 could corrupt the data every later test uses; use stop()");
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void startPostgres() {
        long begin = System.nanoTime();
        try {
            Files.createDirectories(dataDir.getParent());
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(30))
                    .setRegisterShutdownHook(stopOnJvmExit)
                    // Test speed only: these trade crash safety for fewer disk syncs. Never use them in production.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    // Connection pools of several Quarkus test instances share one server.
                    .setServerConfig("max_connections", "200")
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            if (port != 0) {
                builder.setPort(port);
            }
            postgres = builder.start();
            port = postgres.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start PostgreSQL in " + dataDir + " (log: " + logFile + ")", e);
        }
        LOG.infof("PostgreSQL started on port %d in %d ms (data: %s, log: %s)", port, millisSince(begin), dataDir, logFile);
    }

    private void createDatabaseIfMissing() {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, DATABASE);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + DATABASE);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create database " + DATABASE + " on port " + port, e);
        }
    }

    private static long millisSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
    }
}
