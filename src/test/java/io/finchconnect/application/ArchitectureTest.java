package io.finchconnect.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The layout rules of docs/architecture.md, read from the sources: features depend one way, shared code on no
 * feature, failures become problem details in one place, and no resource holds SQL.
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java/io/finchconnect");
    private static final Pattern OUR_REFERENCE = Pattern.compile("io\\.finchconnect\\.([a-z]+)\\.");
    private static final Pattern SQL = Pattern.compile("\\b(SELECT\\s+[\\w*(]|INSERT\\s+INTO\\s|DELETE\\s+FROM\\s|UPDATE\\s+\\w+\\s+SET\\s)");
    /** Problem details built or written, as opposed to documented ({@code mediaType = "application/problem+json"}). */
    private static final Pattern ANSWERS_PROBLEM = Pattern.compile(
            "io\\.finchconnect\\.application\\.Problem\\b|@ServerExceptionMapper|(?<!mediaType = )\"application/problem\\+json\"");

    @Test
    void noTwoPackagesDependOnEachOtherEvenThroughOthers() {
        Map<String, Set<String>> uses = dependencies();
        assertThat(uses).as("the feature packages").containsKeys("common", "connection", "reauth", "session", "webhook");
        for (String from : uses.keySet()) {
            Set<String> reachable = reachableFrom(from, uses);
            assertThat(reachable).as("%s reaches itself through %s (every package's uses: %s)", from, reachable, uses)
                    .doesNotContain(from);
        }
    }

    @Test
    void sharedCodeDependsOnNoFeature() {
        assertThat(dependencies().get("common")).isEmpty();
    }

    @Test
    void onlyTheApplicationPackageAnswersProblems() {
        List<String> offenders = new ArrayList<>();
        for (Path source : sources()) {
            String text = read(source);
            boolean application = MAIN.relativize(source).startsWith("application");
            if (!application && ANSWERS_PROBLEM.matcher(text).find()) {
                offenders.add(MAIN.relativize(source).toString());
            }
        }
        assertThat(offenders).as("classes building problem answers outside application/").isEmpty();
    }

    @Test
    void noResourceHoldsSql() {
        List<String> offenders = new ArrayList<>();
        for (Path source : sources()) {
            if (source.toString().contains("/rest/") && SQL.matcher(read(source)).find()) {
                offenders.add(MAIN.relativize(source).toString());
            }
        }
        assertThat(offenders).as("resources with SQL").isEmpty();
    }

    @Test
    void theRulesWouldCatchACycle() {
        Map<String, Set<String>> uses = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of()));
        assertThat(reachableFrom("a", uses)).contains("a");
        assertThat(reachableFrom("d", uses)).isEmpty();
        assertThat(SQL.matcher("\"SELECT customer_id FROM connections\"").find()).isTrue();
        assertThat(SQL.matcher("{\"kind\": \"reauth\", \"select\": 1}").find()).isFalse();
        assertThat(ANSWERS_PROBLEM.matcher("response.type(\"application/problem+json\")").find()).isTrue();
        assertThat(ANSWERS_PROBLEM.matcher("@Content(mediaType = \"application/problem+json\")").find()).isFalse();
    }

    private static Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (Path source : sources()) {
            String pkg = MAIN.relativize(source).getName(0).toString();
            Set<String> used = uses.computeIfAbsent(pkg, key -> new TreeSet<>());
            Matcher reference = OUR_REFERENCE.matcher(read(source));
            while (reference.find()) {
                if (!reference.group(1).equals(pkg)) {
                    used.add(reference.group(1));
                }
            }
        }
        return uses;
    }

    private static Set<String> reachableFrom(String start, Map<String, Set<String>> uses) {
        Set<String> seen = new TreeSet<>();
        List<String> todo = new ArrayList<>(uses.getOrDefault(start, Set.of()));
        while (!todo.isEmpty()) {
            String next = todo.remove(todo.size() - 1);
            if (seen.add(next)) {
                todo.addAll(uses.getOrDefault(next, Set.of()));
            }
        }
        return seen;
    }

    private static List<Path> sources() {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(path -> path.toString().endsWith(".java")).filter(path -> MAIN.relativize(path).getNameCount() > 1)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
