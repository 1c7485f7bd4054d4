package io.finchconnect.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A one-line description of the machine a benchmark ran on, for its results file.
 */
final class Machine {

    private Machine() {
    }

    static String describe() {
        return "%d cores (%s), %s memory, Java %s on %s %s".formatted(Runtime.getRuntime().availableProcessors(),
                cpuModel(), memory(), System.getProperty("java.version"), System.getProperty("os.name"),
                System.getProperty("os.arch"));
    }

    private static String cpuModel() {
        return firstValue(Path.of("/proc/cpuinfo"), "model name");
    }

    private static String memory() {
        String kb = firstValue(Path.of("/proc/meminfo"), "MemTotal");
        try {
            return Math.round(Long.parseLong(kb.replace("kB", "").trim()) / 1024.0 / 1024.0) + " GiB";
        } catch (NumberFormatException e) {
            return kb;
        }
    }

    private static String firstValue(Path file, String name) {
        try {
            return Files.readAllLines(file).stream().filter(line -> line.startsWith(name))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }
}
