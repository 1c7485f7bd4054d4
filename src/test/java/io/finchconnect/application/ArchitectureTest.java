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
 * feature, failures become problem details in one place, and SQL lives in stores, one per table.
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java/io/finchconnect");
    private static final Pattern OUR_REFERENCE = Pattern.compile("io\\.finchconnect\\.([a-z]+)\\.");
    /** Classes whose SQL reads no table: readiness's SELECT 1. */
    private static final Set<String> NO_TABLE = Set.of("common/database/PostgresReadiness.java");
    private static final Pattern SQL = Pattern.compile(
            "\\b(SELECT\\s+[\\w*(]|INSERT\\s+INTO\\s|DELETE\\s+FROM\\s|UPDATE\\s+\\w+(\\s+\\w+)?\\s+SET\\s)");
    /** The table a statement writes: {@code INSERT INTO t}, {@code DELETE FROM t}, {@code UPDATE t [alias] SET}. */
    private static final Pattern WRITE = Pattern.compile(
            "\\b(?:INSERT\\s+INTO\\s+(\\w+)|DELETE\\s+FROM\\s+(\\w+)|UPDATE\\s+(\\w+)(?:\\s+(?!SET\\b)\\w+)?\\s+SET\\b)");
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

    /** Fields of a connection that the lifecycle decides: only ConnectionLifecycle writes them. */
    private static final Pattern LIFECYCLE_FIELD = Pattern.compile("\\.(status|reauthOpen|reauthRequestedAt|reauthEpisode"
            + "|entityIds|entityStatuses|disconnectedEntityIds|disconnectRequestedAt|disconnectRequestedEntityIds"
            + "|disconnectSuspectedAt)\\s*=[^=]");
    private static final Pattern CONNECTION_EVENT = Pattern.compile(
            "ConnectionEvents\\.(ESTABLISHED|REAUTH_NEEDED|REAUTHENTICATED|DISCONNECTED)\\b");

    @Test
    void theLifecycleDoesNoIoAndDependsOnNothingOfOurs() {
        for (Path source : sources()) {
            if (!MAIN.relativize(source).toString().startsWith("lifecycle/")) {
                continue;
            }
            List<String> imports = read(source).lines().filter(line -> line.startsWith("import "))
                    .filter(line -> !line.startsWith("import java.") && !line.startsWith("import io.finchconnect.lifecycle."))
                    .toList();
            assertThat(imports).as("%s imports only the JDK and its own package", source).isEmpty();
        }
    }

    @Test
    void onlyTheLifecycleDecidesAConnectionsStatusAndEvents() {
        List<String> offenders = new ArrayList<>();
        for (Path source : sources()) {
            String name = MAIN.relativize(source).toString();
            if (name.startsWith("lifecycle/") || name.equals("connection/ConnectionLifecycle.java")
                    || name.equals("connection/events/ConnectionEvents.java")) {
                continue;
            }
            String text = read(source);
            if (LIFECYCLE_FIELD.matcher(text).find() || CONNECTION_EVENT.matcher(text).find()) {
                offenders.add(name);
            }
        }
        assertThat(offenders).as("classes that set a connection's lifecycle fields or write its events themselves").isEmpty();
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
    void sqlLivesInStores() {
        List<String> offenders = new ArrayList<>();
        for (Path source : sources()) {
            String name = MAIN.relativize(source).toString();
            if (!source.getFileName().toString().endsWith("Store.java") && !NO_TABLE.contains(name)
                    && stringLiterals(read(source)).stream().anyMatch(literal -> SQL.matcher(literal).find())) {
                offenders.add(name);
            }
        }
        assertThat(offenders).as("classes with SQL that are not a table's store (docs/architecture.md, Data access)").isEmpty();
    }

    /**
     * One store per table: each store's statements write one table, and no two stores write the same one. What a
     * statement writes is its outermost INSERT, UPDATE or DELETE; a data-modifying CTE inside it (a lease given
     * up with the retry it schedules) writes another table on the way, as docs/architecture.md lists.
     */
    @Test
    void eachTableHasOneStore() {
        Map<String, Set<String>> writers = new TreeMap<>();
        for (Path source : sources()) {
            if (!source.getFileName().toString().endsWith("Store.java")) {
                continue;
            }
            String store = MAIN.relativize(source).toString();
            Set<String> tables = new TreeSet<>();
            for (String literal : stringLiterals(read(source))) {
                tables.addAll(tablesWritten(literal));
            }
            assertThat(tables).as("tables %s writes", store).hasSizeLessThanOrEqualTo(1);
            tables.forEach(table -> writers.computeIfAbsent(table, key -> new TreeSet<>()).add(store));
        }
        assertThat(writers).as("the stores that write each table").containsKeys("connections", "customers", "incoming_events", "outbox");
        writers.forEach((table, stores) -> assertThat(stores).as("stores writing %s", table).hasSize(1));
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

    @Test
    void theRulesWouldCatchSqlOutsideItsStore() {
        String source = """
                /** Reads "SELECT it" in a comment; only strings count. */
                class Reads {
                    char quote = '"';
                    String sql = \"""
                            UPDATE connections c SET reconcile_due_at = now() FROM due WHERE c.connection_id = due.connection_id\""";
                    String other = "INSERT INTO \\"x\\"" + "DELETE FROM consumed_states";
                }
                """;
        List<String> literals = stringLiterals(source);
        assertThat(literals).hasSize(3);
        assertThat(literals).allMatch(literal -> SQL.matcher(literal).find());
        assertThat(SQL.matcher("Finch answered HTTP 503; one INSERT per call").find()).isFalse();
        assertThat(tablesWritten(literals.get(0))).containsExactly("connections");
        assertThat(tablesWritten("""
                WITH released AS (DELETE FROM inbox_leases WHERE connection_id = $1)
                UPDATE incoming_events SET attempts = attempts + 1 WHERE event_id = ANY($3)""")).containsExactly("incoming_events");
        assertThat(tablesWritten("""
                INSERT INTO staged_sessions (customer_id) VALUES ($1) ON CONFLICT (customer_id) DO UPDATE SET version = 0""")).containsExactly("staged_sessions");
        assertThat(tablesWritten("SELECT x FROM connections WHERE id > $1 FOR UPDATE SKIP LOCKED")).isEmpty();
        assertThat(tablesWritten("UPDATE a SET x = 1; DELETE FROM b WHERE ')' = ')'")).containsExactly("a", "b");
    }

    /** The string literals and text blocks of a Java source, without its comments and character literals. */
    static List<String> stringLiterals(String source) {
        List<String> literals = new ArrayList<>();
        int i = 0;
        while (i < source.length()) {
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                i = source.indexOf("*/", i + 2) + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                while (end + 3 < source.length() && source.charAt(end + 3) == '"') {
                    end++;
                }
                literals.add(source.substring(i + 3, end));
                i = end + 3;
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i);
                int end = i + 1;
                while (source.charAt(end) != quote) {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                if (quote == '"') {
                    literals.add(source.substring(i + 1, end));
                }
                i = end + 1;
            } else {
                i++;
            }
        }
        return literals;
    }

    /** The tables a statement writes outside parentheses (its outermost statements, not its CTEs or subqueries). */
    static Set<String> tablesWritten(String statement) {
        String sql = statement.replaceAll("'[^']*'", "''");
        Set<String> tables = new TreeSet<>();
        Matcher write = WRITE.matcher(sql);
        while (write.find()) {
            String before = sql.substring(0, write.start());
            long depth = before.chars().filter(c -> c == '(').count() - before.chars().filter(c -> c == ')').count();
            if (depth == 0) {
                tables.add(write.group(1) != null ? write.group(1) : write.group(2) != null ? write.group(2) : write.group(3));
            }
        }
        return tables;
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
