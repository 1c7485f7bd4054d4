package io.finchconnect.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process spent, from {@code /proc/<pid>/stat} (Linux): unlike elapsed time, it does not grow while
 * other work on a shared machine holds the cores, so CPU per webhook compares runs on busy machines. For
 * PostgreSQL it is the postmaster, its exited children and its live backends together.
 */
final class ProcessCpu {

    /** Clock ticks per second of /proc's times; 100 on Linux on every common architecture. */
    private static final double TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    /** CPU seconds of the process (user and system). */
    static double seconds(long pid) {
        long[] times = times(pid);
        return (times[0] + times[1]) / TICKS_PER_SECOND;
    }

    /** CPU seconds of a server that forks per connection: itself, reaped children, and live children. */
    static double withChildren(long pid) {
        long[] times = times(pid);
        double total = (times[0] + times[1] + times[2] + times[3]) / TICKS_PER_SECOND;
        return total + ProcessHandle.of(pid).stream().flatMap(ProcessHandle::children)
                .mapToDouble(child -> seconds(child.pid())).sum();
    }

    /** The embedded PostgreSQL's postmaster, from its data folder, or -1 when the tests use an external one. */
    static long embeddedPostgres() {
        Path file = Path.of("target", "test-stack", "postgres-" + ProcessHandle.current().pid(), "postmaster.pid");
        try {
            return Long.parseLong(Files.readAllLines(file).get(0).trim());
        } catch (Exception e) {
            return -1;
        }
    }

    /** utime, stime, cutime, cstime. */
    private static long[] times(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // The command name may hold spaces; the fields after its closing parenthesis do not.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] { Long.parseLong(fields[11]), Long.parseLong(fields[12]), Long.parseLong(fields[13]),
                    Long.parseLong(fields[14]) };
        } catch (Exception e) {
            return new long[4];
        }
    }
}
