package io.finchconnect.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * docs/lifecycle.md shows the lifecycle the code runs: its tables and its diagram are computed from
 * {@link Lifecycle} ({@link LifecycleTable}) and must be the document's. With {@code -Dlifecycle.docs.write=true}
 * the test writes them into the document instead, for a change of the lifecycle to be documented.
 */
class LifecycleDocumentTest {

    private static final Path DOCUMENT = Path.of("docs/lifecycle.md");
    private static final Pattern EDGE = Pattern.compile("^\\s*(\\[\\*]|\\w+) --> (\\w+) : (.+)$", Pattern.MULTILINE);

    @Test
    void theTablesAreTheOnesTheCodeRuns() throws IOException {
        String document = Files.readString(DOCUMENT);
        if (Boolean.getBoolean("lifecycle.docs.write")) {
            document = replace(document, "table", LifecycleTable.mainTable());
            document = replace(document, "entities", LifecycleTable.entityTable());
            document = replace(document, "diagram", "```mermaid\nstateDiagram-v2\n"
                    + String.join("\n", LifecycleTable.edges().stream().map(edge -> "    " + edge).toList()) + "\n```\n");
            Files.writeString(DOCUMENT, document);
        }
        assertThat(between(document, "table")).as("the lifecycle table of docs/lifecycle.md")
                .isEqualTo(LifecycleTable.mainTable());
        assertThat(between(document, "entities")).as("the entity table of docs/lifecycle.md")
                .isEqualTo(LifecycleTable.entityTable());
    }

    @Test
    void theDiagramHasEveryEdgeTheCodeTakesAndNoOther() throws IOException {
        Set<String> drawn = new TreeSet<>();
        Matcher edge = EDGE.matcher(between(Files.readString(DOCUMENT), "diagram"));
        while (edge.find()) {
            drawn.add(edge.group(1) + " --> " + edge.group(2) + " : " + edge.group(3).trim());
        }
        assertThat(drawn).isEqualTo(LifecycleTable.edges());
    }

    @Test
    void theCheckWouldCatchADriftedCell() {
        String table = LifecycleTable.mainTable();
        String drifted = table.replaceFirst("`reauthenticated`", "`reauth_needed`");
        assertThat(drifted).isNotEqualTo(table);
    }

    private static String between(String document, String name) {
        String start = "<!-- lifecycle:" + name + " -->\n";
        String end = "<!-- /lifecycle:" + name + " -->";
        int from = document.indexOf(start);
        int to = document.indexOf(end);
        assertThat(from).as("docs/lifecycle.md marks %s", start.trim()).isNotNegative();
        assertThat(to).as("docs/lifecycle.md marks %s", end).isGreaterThan(from);
        return document.substring(from + start.length(), to);
    }

    private static String replace(String document, String name, String content) {
        String start = "<!-- lifecycle:" + name + " -->\n";
        String end = "<!-- /lifecycle:" + name + " -->";
        return document.substring(0, document.indexOf(start) + start.length()) + content + document.substring(document.indexOf(end));
    }
}
