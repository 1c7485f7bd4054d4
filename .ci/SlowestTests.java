import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Prints the slowest test classes of a Maven run from Surefire's and Failsafe's XML reports: the class's time as
 * the report gives it (for the first class of a Quarkus application, its start-up included), a nested class
 * counted in its outer class. Run by .ci/run after the tests, as {@code java .ci/SlowestTests.java [count]}, with no
 * build of its own.
 */
public class SlowestTests {

    private static final Pattern SUITE = Pattern.compile("<testsuite [^>]*?name=\"([^\"]+)\"[^>]*?time=\"([0-9.,]+)\"[^>]*?tests=\"([0-9]+)\"");

    record Suite(String name, double seconds, int tests, String phase) {
    }

    public static void main(String[] args) throws IOException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Suite> suites = new ArrayList<>();
        for (String phase : List.of("surefire", "failsafe")) {
            Path reports = Path.of("target", phase + "-reports");
            if (!Files.isDirectory(reports)) {
                continue;
            }
            try (Stream<Path> files = Files.list(reports)) {
                for (Path file : files.filter(f -> f.getFileName().toString().matches("TEST-.*\\.xml")).toList()) {
                    String head = Files.readString(file).substring(0, (int) Math.min(Files.size(file), 4096));
                    Matcher suite = SUITE.matcher(head);
                    if (suite.find()) {
                        suites.add(new Suite(suite.group(1).replaceFirst("^io\\.finchconnect\\.", ""),
                                Double.parseDouble(suite.group(2).replace(",", "")), Integer.parseInt(suite.group(3)), phase));
                    }
                }
            }
        }
        suites = new ArrayList<>(suites.stream().collect(java.util.stream.Collectors.toMap(
                suite -> suite.phase() + " " + suite.name().replaceFirst("\\$.*", ""),
                suite -> new Suite(suite.name().replaceFirst("\\$.*", ""), suite.seconds(), suite.tests(), suite.phase()),
                // The outer class's time includes its nested classes'; its tests are reported under them.
                (one, other) -> new Suite(one.name(), Math.max(one.seconds(), other.seconds()), one.tests() + other.tests(), one.phase())))
                .values());
        // A suite's report spans the classes it ran in its JVM: its time is that JVM's, not a class's.
        suites.stream().filter(suite -> suite.name().endsWith("Suite")).sorted(Comparator.comparing(Suite::name))
                .forEach(suite -> System.out.printf("%8.1f s  %-9s the JVM that ran %s%n", suite.seconds(), suite.phase(), suite.name()));
        suites.removeIf(suite -> suite.name().endsWith("Suite"));
        double total = suites.stream().mapToDouble(Suite::seconds).sum();
        System.out.printf("Slowest %d of %d test classes (%.0f s in all test classes):%n", Math.min(count, suites.size()),
                suites.size(), total);
        suites.stream().sorted(Comparator.comparingDouble(Suite::seconds).reversed()).limit(count)
                .forEach(s -> System.out.printf("%8.1f s  %-9s %3d tests  %s%n", s.seconds(), s.phase(), s.tests(), s.name()));
    }
}
