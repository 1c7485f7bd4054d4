package io.finchconnect.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time from {@code /proc}, to say where the cores went during a measured window: the whole machine's busy
 * time, the service's, the benchmark JVM's own (load generator and Finch simulator), the test stack's
 * PostgreSQL and its Kafka broker; in seconds of one core, or in cores once divided by the window.
 */
record CpuTime(double machineBusy, double service, double bench, double postgres, double kafka) {

    /** Linux's USER_HZ, the unit of /proc's CPU counters; 100 on every common architecture. */
    private static final double TICKS_PER_SECOND = 100;

    static CpuTime now(long servicePid) {
        ProcessHandle bench = ProcessHandle.current();
        // The embedded PostgreSQL detaches from this JVM; its postmaster names the test stack's data folder.
        String dataFolder = Path.of("target", "test-stack", "postgres-" + bench.pid()).toAbsolutePath().toString();
        double postgres = ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().map(line -> line.contains(dataFolder)).orElse(false))
                .flatMap(postmaster -> Stream.concat(Stream.of(postmaster), postmaster.descendants()))
                .mapToDouble(process -> processSeconds(process.pid())).sum();
        double kafka = bench.children().filter(child -> child.pid() != servicePid)
                .flatMap(child -> Stream.concat(Stream.of(child), child.descendants()))
                .mapToDouble(process -> processSeconds(process.pid())).sum();
        return new CpuTime(machineBusySeconds(), processSeconds(servicePid), processSeconds(bench.pid()), postgres, kafka);
    }

    /** Average cores busy between {@code this} and {@code later}, {@code seconds} apart. */
    CpuTime coresUntil(CpuTime later, double seconds) {
        return new CpuTime((later.machineBusy - machineBusy) / seconds, (later.service - service) / seconds,
                (later.bench - bench) / seconds, (later.postgres - postgres) / seconds, (later.kafka - kafka) / seconds);
    }

    /** Cores busy outside the benchmark's processes: whatever else runs on the machine. */
    double others() {
        return Math.max(0, machineBusy - service - bench - postgres - kafka);
    }

    private static double machineBusySeconds() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) {
                // user nice system idle iowait irq softirq steal: idle (4) and iowait (5) are not busy
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double processSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // The command name in parentheses may hold spaces; the fields after it are fixed.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            // A process that ended in the window (a PostgreSQL backend) takes its time with it.
            return 0;
        }
    }
}
