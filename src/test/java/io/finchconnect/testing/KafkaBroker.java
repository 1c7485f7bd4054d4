package io.finchconnect.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.Uuid;
import org.jboss.logging.Logger;

/**
 * A real single-node KRaft Kafka broker (combined broker and controller) run as a child JVM, so that fault tests
 * can stop it, kill it with SIGKILL and restart it on the same ports and data.
 */
public final class KafkaBroker implements TestServer, AutoCloseable {

    /** The topics the service reads and writes with their default names (OUTBOX_TOPIC, FINCH_WEBHOOKS_TOPIC). */
    public static final String[] SERVICE_TOPICS = { "finch.connection-events", "finch.webhooks" };

    private static final Logger LOG = Logger.getLogger(KafkaBroker.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern CONTROLLER_PORT = Pattern.compile("CONTROLLER://localhost:(\\d+)");

    private final Path dataDir;
    private final Path kafkaLogDir;
    private final Path serverProperties;
    private final Path loggingProperties;
    private final Path logFile;
    private final int port;
    private final int controllerPort;
    private final String classpath;
    private final Thread shutdownHook = new Thread(this::destroyOnJvmExit, "kafka-broker-shutdown");
    private final boolean stoppedByOwner;
    private volatile Process process;

    private KafkaBroker(Path dataDir, int port, boolean stoppedByOwner) throws IOException {
        this.stoppedByOwner = stoppedByOwner;
        this.dataDir = dataDir.toAbsolutePath();
        this.kafkaLogDir = this.dataDir.resolve("kraft-log");
        this.serverProperties = this.dataDir.resolve("server.properties");
        this.loggingProperties = this.dataDir.resolve("logging.properties");
        this.logFile = this.dataDir.resolveSibling(this.dataDir.getFileName() + "-kafka.log");
        this.port = port == 0 ? freePort() : port;
        // The controller's endpoint is part of the formatted quorum state, so a broker started again on an existing
        // data directory must keep the controller port it was formatted with.
        this.controllerPort = previousControllerPort().orElseGet(KafkaBroker::freePort);
        this.classpath = brokerClasspath();
    }

    /** Formats {@code dataDir} if new, starts the broker on {@code port} (0 picks a free one) and waits until it answers. */
    public static KafkaBroker start(Path dataDir, int port) {
        return start(dataDir, port, false);
    }

    /**
     * As {@link #start(Path, int)}, but only {@link #close()} stops the broker: it runs in a session of its own, so
     * the terminal's Ctrl-C does not reach it, and without a JVM exit hook of its own. For an owner that stops things
     * in order at exit: the local stack stops the service, whose consumer is still connected, before the broker.
     */
    public static KafkaBroker startStoppedByOwner(Path dataDir, int port) {
        return start(dataDir, port, true);
    }

    private static KafkaBroker start(Path dataDir, int port, boolean stoppedByOwner) {
        try {
            KafkaBroker broker = new KafkaBroker(dataDir, port, stoppedByOwner);
            Files.createDirectories(broker.kafkaLogDir);
            broker.writeConfig();
            if (!Files.exists(broker.kafkaLogDir.resolve("meta.properties"))) {
                broker.formatStorage();
            }
            if (!stoppedByOwner) {
                Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
            }
            try {
                broker.launch();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start Kafka in " + dataDir, e);
        }
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /**
     * Creates these topics (where missing) with the broker's defaults, as production has them before the service
     * starts: a client's first look-up of a topic that auto-creation has not made yet is a warning.
     */
    public KafkaBroker withTopics(String... names) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (Admin admin = admin(props)) {
            for (String name : names) {
                try {
                    admin.createTopics(List.of(new NewTopic(name, Optional.empty(), Optional.empty()))).all()
                            .get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Could not create topic " + name, e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not create the topics within 30 s", e);
        }
        return this;
    }

    /** Stops the broker gracefully (SIGTERM, controlled shutdown) and waits for the process to exit. */
    @Override
    public synchronized void stop() {
        Process current = process;
        if (current == null || !current.isAlive()) {
            return;
        }
        long begin = System.nanoTime();
        current.destroy();
        if (!waitForExit(current, STOP_TIMEOUT)) {
            LOG.warnf("Kafka did not stop within %s; killing it (log: %s)", STOP_TIMEOUT, logFile);
            current.destroyForcibly();
            waitForExit(current, STOP_TIMEOUT);
        }
        LOG.infof("Kafka on port %d stopped in %d ms", port, millisSince(begin));
    }

    /** Kills the broker with SIGKILL, as a crash would, and waits for the process to be gone. */
    @Override
    public synchronized void kill() {
        Process current = process;
        if (current == null || !current.isAlive()) {
            return;
        }
        current.destroyForcibly();
        waitForExit(current, STOP_TIMEOUT);
        LOG.infof("Kafka on port %d killed", port);
    }

    /** Starts the stopped or killed broker again on the same ports and data; topics and records survive. */
    @Override
    public synchronized void start() {
        if (process == null || !process.isAlive()) {
            launch();
        }
    }

    /** Stops the broker and starts it again on the same ports and data; topics and records survive. */
    public synchronized void restart() {
        stop();
        launch();
    }

    @Override
    public synchronized void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException jvmAlreadyExiting) {
            // the hook is running or about to: nothing left to do
        }
    }

    private void writeConfig() throws IOException {
        Map<String, String> config = Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://localhost:" + port),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("controller.quorum.bootstrap.servers", "localhost:" + controllerPort),
                Map.entry("log.dirs", kafkaLogDir.toString()),
                Map.entry("auto.create.topics.enable", "true"),
                Map.entry("num.partitions", "3"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("min.insync.replicas", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // One broker of a test on two shared cores: few threads, and the internal topics at a few partitions
                // instead of fifty each (every one a log the broker opens and flushes).
                Map.entry("num.network.threads", "1"),
                Map.entry("num.io.threads", "2"),
                Map.entry("background.threads", "2"),
                Map.entry("num.recovery.threads.per.data.dir", "1"),
                Map.entry("offsets.topic.num.partitions", "3"),
                Map.entry("transaction.state.log.num.partitions", "3"),
                Map.entry("share.coordinator.state.topic.num.partitions", "3"),
                // After a kill -9 the controller refuses the new broker incarnation until the old one's session
                // expires (9 s by default); a short session makes a crash-restart take seconds, not 11 s.
                Map.entry("broker.session.timeout.ms", "3000"),
                Map.entry("broker.heartbeat.interval.ms", "500"));
        String text = config.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(serverProperties, text);
        // The broker logs through slf4j to JBoss LogManager (the binding on the test classpath); without a
        // configuration of its own it would log nothing useful.
        Files.writeString(loggingProperties, String.join("\n",
                "logger.level=INFO",
                "logger.handlers=CONSOLE",
                "loggers=org.apache.kafka.common.config.AbstractConfig",
                "logger.org.apache.kafka.common.config.AbstractConfig.level=WARN",
                "handler.CONSOLE=org.jboss.logmanager.handlers.ConsoleHandler",
                "handler.CONSOLE.properties=autoFlush,target",
                "handler.CONSOLE.autoFlush=true",
                "handler.CONSOLE.target=SYSTEM_OUT",
                "handler.CONSOLE.formatter=PATTERN",
                "formatter.PATTERN=org.jboss.logmanager.formatters.PatternFormatter",
                "formatter.PATTERN.properties=pattern",
                "formatter.PATTERN.pattern=%d{HH:mm:ss,SSS} %-5p [%c] (%t) %s%e%n",
                ""));
    }

    private void formatStorage() throws IOException {
        long begin = System.nanoTime();
        Process format = newProcess("kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", serverProperties.toString(), "--standalone").start();
        if (!waitForExit(format, START_TIMEOUT) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("Formatting Kafka storage in " + kafkaLogDir + " failed; see " + logFile);
        }
        LOG.debugf("Formatted Kafka storage in %d ms", millisSince(begin));
    }

    private synchronized void launch() {
        long begin = System.nanoTime();
        try {
            process = newProcess("kafka.Kafka", serverProperties.toString()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not launch the Kafka broker JVM", e);
        }
        awaitReady(begin + START_TIMEOUT.toNanos());
        LOG.infof("Kafka started on %s in %d ms (data: %s, log: %s)", bootstrapServers(), millisSince(begin), dataDir,
                logFile);
    }

    private ProcessBuilder newProcess(String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        if (stoppedByOwner) {
            // util-linux's setsid execs the JVM in a new session: same pid, outside the terminal's process group.
            command.add("setsid");
        }
        command.addAll(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                // CI has 2 cores: a small heap and the serial collector keep the broker from competing with the tests.
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dlogging.configuration=" + loggingProperties.toUri(),
                "-cp", classpath, mainClass));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command)
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    }

    private void awaitReady(long deadlineNanos) {
        // Wait for the port first: an AdminClient aimed at a closed port logs a warning on every retry.
        while (!accepts(port)) {
            checkAlive(deadlineNanos);
            pause();
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        try (Admin admin = admin(props)) {
            while (true) {
                checkAlive(deadlineNanos);
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    pause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for Kafka", e);
                }
            }
        }
    }

    private static Admin admin(Properties props) {
        // The broker is started by whichever test class loader came first and restarted from another: Kafka
        // loads its reporters through the context class loader, which must be the one that loaded Admin here.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(Admin.class.getClassLoader());
        try {
            return Admin.create(props);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private void checkAlive(long deadlineNanos) {
        if (!process.isAlive()) {
            throw new IllegalStateException("Kafka exited with " + process.exitValue() + " while starting; see " + logFile);
        }
        if (System.nanoTime() > deadlineNanos) {
            process.destroyForcibly();
            throw new IllegalStateException("Kafka did not answer within " + START_TIMEOUT + "; see " + logFile);
        }
    }

    private void destroyOnJvmExit() {
        Process current = process;
        if (current != null && current.isAlive()) {
            // Graceful first so the local stack's data needs no recovery next time, but never hold the JVM long.
            current.destroy();
            if (!waitForExit(current, Duration.ofSeconds(10))) {
                current.destroyForcibly();
            }
        }
    }

    private Optional<Integer> previousControllerPort() throws IOException {
        if (!Files.exists(serverProperties) || !Files.exists(kafkaLogDir.resolve("meta.properties"))) {
            return Optional.empty();
        }
        Matcher m = CONTROLLER_PORT.matcher(Files.readString(serverProperties));
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    private static String brokerClasspath() throws IOException {
        Path file = Paths.get(System.getProperty("finch.test.classpath-file", "target/test-classpath.txt"));
        String classpath = Files.isReadable(file)
                ? Files.readString(file, StandardCharsets.UTF_8).trim()
                : System.getProperty("java.class.path");
        if (!Files.isReadable(file)) {
            LOG.warnf("%s not found (run Maven's generate-test-resources); using java.class.path", file.toAbsolutePath());
        }
        // Quarkus jars register a JBoss LogManager configurator that holds every log record back until a Quarkus
        // application configures logging, which the broker never does; the broker needs none of them.
        return Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !Paths.get(entry).getFileName().toString().startsWith("quarkus-"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static boolean waitForExit(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long millisSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
    }
}
