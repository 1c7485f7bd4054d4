package io.finchconnect.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization under {@code deploy/} the way {@code kubectl apply -k} would, with {@code kubectl
 * kustomize}, so the tests check exactly what a cluster receives. kubectl is found through the system
 * property {@code kubectl} or the variable {@code KUBECTL}, else on the PATH; {@code .ci/run} installs one
 * where the machine has none recent enough (components need kustomize 3.7+, kubectl 1.21+).
 */
final class Kustomize {

    static final Path DEPLOY = Path.of("deploy");

    private Kustomize() {
    }

    static String render(Path kustomization) {
        Path kubectl = kubectl().orElseThrow(() -> new IllegalStateException(
                "kubectl not found: put it on the PATH or pass -Dkubectl=/path/to/kubectl (.ci/run installs it)"));
        try {
            Path stderr = Files.createTempFile("kustomize", ".err");
            Process process = new ProcessBuilder(kubectl.toString(), "kustomize", kustomization.toString())
                    .redirectError(stderr.toFile())
                    .start();
            process.getOutputStream().close();
            String rendered = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl kustomize " + kustomization + " did not finish in 60s");
            }
            String errors = Files.readString(stderr);
            Files.deleteIfExists(stderr);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + kustomization + " failed: " + errors);
            }
            return rendered;
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + kubectl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Optional<Path> kubectl() {
        List<String> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty("kubectl")).ifPresent(candidates::add);
        Optional.ofNullable(System.getenv("KUBECTL")).ifPresent(candidates::add);
        for (String dir : Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "kubectl").toString());
            }
        }
        candidates.add("/usr/local/bin/kubectl");
        candidates.add("/usr/bin/kubectl");
        return candidates.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }
}
