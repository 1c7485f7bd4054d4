package io.finchconnect.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time from {@code /proc}, to say where the cores went during a measured window: the whole machine's busy
 * time and one process's own, both in seconds of one core.
 */
record CpuTime(double machineBusy, double service, double bench) {

    /** Linux's USER_HZ, the unit of /proc's CPU counters; 100 on every common architecture. */
    private static final double TICKS_PER_SECOND = 100;

    static CpuTime now(long servicePid) {
        return new CpuTime(machineBusySeconds(), processSeconds(servicePid), processSeconds(ProcessHandle.current().pid()));
    }

    /** Average cores busy between {@code this} and {@code later}, {@code seconds} apart. */
    CpuTime coresUntil(CpuTime later, double seconds) {
        return new CpuTime((later.machineBusy - machineBusy) / seconds, (later.service - service) / seconds,
                (later.bench - bench) / seconds);
    }

    /** Cores busy outside the service and the bench JVM: PostgreSQL, the Kafka broker, anything else running. */
    double others() {
        return Math.max(0, machineBusy - service - bench);
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
            return Double.NaN;
        }
    }
}
