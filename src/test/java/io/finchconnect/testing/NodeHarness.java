package io.finchconnect.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The Node.js side of the contract tests ({@code src/test/contract}): copied to {@code target/contract},
 * installed with {@code npm ci} from its lock file (once per lock file), type-checked and built with the pinned
 * {@code tsc} and esbuild. Outside CI a machine without Node.js skips these tests; in CI ({@code CI=true},
 * where {@code .ci/run} installs Node.js and npm) they always run.
 */
public final class NodeHarness {

    public static final Path SOURCES = Path.of("src/test/contract");
    public static final Path DIRECTORY = Path.of("target/contract");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    private static boolean built;

    /** What a process printed (stdout and stderr together) and how it ended. */
    public record Run(int exitCode, String output) {
    }

    private NodeHarness() {
    }

    /** Installs and builds the harness unless this JVM already did, and returns where it lives. */
    public static synchronized Path built() {
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(onPath("node") && onPath("npm"), "Node.js not found; install it with: apt-get install nodejs npm");
        }
        if (!built) {
            copySources();
            install();
            require(run(BUILD_TIMEOUT, Map.of(), "node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.json"), "tsc (contract)");
            require(run(BUILD_TIMEOUT, Map.of(), "node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.page.json"), "tsc (page)");
            require(run(BUILD_TIMEOUT, Map.of(), "node", "build-page.mjs"), "esbuild (page)");
            built = true;
        }
        return DIRECTORY.toAbsolutePath();
    }

    /** Runs a command in the harness directory with extra environment variables. */
    public static Run run(Duration timeout, Map<String, String> environment, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(DIRECTORY.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        try {
            Path log = Files.createTempFile("node-harness", ".log");
            try {
                Process process = builder.redirectOutput(log.toFile()).start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    return new Run(-1, Files.readString(log, StandardCharsets.UTF_8) + "\n[timed out after " + timeout + "]");
                }
                return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void require(Run run, String what) {
        if (run.exitCode() != 0) {
            throw new AssertionError(what + " exited with " + run.exitCode() + ":\n" + run.output());
        }
    }

    /** {@code npm ci} wipes node_modules, so it runs only when the lock file changed since the last install. */
    private static void install() {
        try {
            String lock = sha256(Files.readAllBytes(DIRECTORY.resolve("package-lock.json")));
            Path marker = DIRECTORY.resolve("node_modules/.installed-lock-sha256");
            if (Files.isRegularFile(marker) && Files.readString(marker).equals(lock)) {
                return;
            }
            require(run(INSTALL_TIMEOUT, Map.of(), "npm", "ci", "--prefer-offline"), "npm ci");
            Files.writeString(marker, lock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copySources() {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            for (String stale : List.of("src", "page", "build")) {
                deleteTree(DIRECTORY.resolve(stale));
            }
            walk.filter(Files::isRegularFile)
                    .filter(p -> !SOURCES.relativize(p).startsWith("node_modules") && !SOURCES.relativize(p).startsWith("build"))
                    .forEach(files::add);
            for (Path file : files) {
                Path target = DIRECTORY.resolve(SOURCES.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
