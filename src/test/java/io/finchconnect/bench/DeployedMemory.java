package io.finchconnect.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory the Deployment gives the service (deploy/base/deployment.yaml): the container's memory limit and
 * the JVM flags of {@code JAVA_OPTS_APPEND}. {@code -XX:MaxRAM} set to the limit makes a JVM outside a
 * container size its heap as the container's JVM does, so the benchmark measures the deployed heap.
 */
record DeployedMemory(long limitMib, List<String> jvmFlags) {

    static final Path DEPLOYMENT = Path.of("deploy", "base", "deployment.yaml");
    private static final Pattern MEMORY = Pattern.compile("memory:\\s*(\\d+)Mi");
    private static final Pattern FLAG = Pattern.compile("-XX:\\S+");

    static DeployedMemory read() throws IOException {
        String yaml = Files.readString(DEPLOYMENT);
        Matcher limit = MEMORY.matcher(yaml);
        int limits = yaml.indexOf("limits:");
        if (limits < 0 || !limit.find(limits)) {
            throw new IllegalStateException(DEPLOYMENT + " has no memory limit in Mi");
        }
        int options = yaml.indexOf("name: JAVA_OPTS_APPEND");
        int end = yaml.indexOf("- name:", options + 1);
        if (options < 0 || end < 0) {
            throw new IllegalStateException(DEPLOYMENT + " sets no JAVA_OPTS_APPEND");
        }
        List<String> flags = new ArrayList<>();
        Matcher flag = FLAG.matcher(yaml.substring(options, end));
        while (flag.find()) {
            flags.add(flag.group());
        }
        if (flags.stream().noneMatch(f -> f.startsWith("-XX:MaxRAMPercentage="))) {
            throw new IllegalStateException(DEPLOYMENT + ": JAVA_OPTS_APPEND sets no -XX:MaxRAMPercentage");
        }
        return new DeployedMemory(Long.parseLong(limit.group(1)), List.copyOf(flags));
    }

    /** The JVM options that give a process the Deployment's heap. */
    List<String> jvmOptions() {
        List<String> options = new ArrayList<>();
        options.add("-XX:MaxRAM=" + limitMib + "m");
        options.addAll(jvmFlags);
        return options;
    }

    double heapPercentage() {
        return jvmFlags.stream().filter(f -> f.startsWith("-XX:MaxRAMPercentage=")).findFirst()
                .map(f -> Double.parseDouble(f.substring(f.indexOf('=') + 1))).orElseThrow();
    }

    long heapMib() {
        return Math.round(limitMib * heapPercentage() / 100);
    }
}
