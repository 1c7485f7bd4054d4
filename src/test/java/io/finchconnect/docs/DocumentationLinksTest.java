package io.finchconnect.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The README, deploy/README.md and the documents under docs/ hold together: every relative link (and its #anchor, against the
 * headings of the target as GitHub names them) points at something that exists in the repository, every
 * document under docs/ is reachable from the README, and the README stays short. The repository stands alone:
 * no file refers to design notes kept outside it or climbs out of it with a relative path, and none names a
 * tracker's issue by number (what a reader needs from an issue is written into docs/ instead).
 */
class DocumentationLinksTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path README = ROOT.resolve("README.md");
    private static final Path DOCS = ROOT.resolve("docs");
    private static final int README_MAX_LINES = 150;

    /** An inline link or image, {@code [text](target "title")}; code spans are removed before matching. */
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[[^\\]]*]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** A reference definition, {@code [name]: target}. */
    private static final Pattern REFERENCE_LINK = Pattern.compile("^\\s{0,3}\\[[^\\]]+]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");

    /** Design input kept beside the repository, not in it: its file names, and the folder that held them. */
    private static final Pattern OUTSIDE_DOCUMENT = Pattern.compile(
            "(?<![\\w-])(?:DESIGN|STYLE|finch-api)\\.md\\b|\\bshared/(?:DESIGN|STYLE|finch-api)\\b|/work/share[d]\\b");
    /** A relative path with leading {@code ../} segments, in prose, a link or code. */
    private static final Pattern CLIMBING_PATH = Pattern.compile("(?<![\\w.])(?:\\.\\./)+[\\w.\\-/]*");
    /** The word issue with a number, or a bare number after a hash (not an anchor, colour, HTML entity or owner/repo reference). */
    private static final Pattern ISSUE_NUMBER = Pattern.compile(
            "(?i)\\bissues?\\s*#?\\s*\\d+\\b|(?<![\\w&/#\\]-])#\\d+\\b(?![\\w-])");
    /** Folders that are built or installed, never written by hand. */
    private static final Set<String> GENERATED = Set.of(".git", "target", "node_modules", "build", ".idea", ".vscode");
    /**
     * Applied migrations, which keep the comments they were applied with: Flyway validates every applied file's
     * checksum at each start (docs/operations.md), so editing one would stop production. New ones are checked.
     */
    private static final Set<String> APPLIED_MIGRATIONS_WITH_OLD_REFERENCES = Set.of(
            "src/main/resources/db/migration/V6__one_live_connection_per_customer.sql",
            "src/main/resources/db/migration/V8__operator_disconnect_and_listing.sql",
            "src/main/resources/db/migration/V10__connection_adoptions.sql");

    @Test
    void noRelativeLinkIsBroken() {
        List<String> broken = new ArrayList<>();
        for (Path document : documents()) {
            for (String target : links(document)) {
                if (!SCHEME.matcher(target).find()) {
                    problem(document, target).ifPresent(broken::add);
                }
            }
        }
        assertThat(broken).as("broken relative links").isEmpty();
    }

    @Test
    void everyDocumentIsReachableFromTheReadme() {
        Set<Path> reached = new LinkedHashSet<>();
        Deque<Path> queue = new ArrayDeque<>(List.of(README));
        while (!queue.isEmpty()) {
            Path document = queue.pop();
            if (!reached.add(document)) {
                continue;
            }
            for (String target : links(document)) {
                if (SCHEME.matcher(target).find() || target.startsWith("#")) {
                    continue;
                }
                Path file = resolve(document, target);
                if (file.toString().endsWith(".md") && Files.isRegularFile(file)) {
                    queue.add(file);
                }
            }
        }
        Set<String> unreachable = new TreeSet<>();
        docsFiles().stream().filter(d -> !reached.contains(d)).forEach(d -> unreachable.add(ROOT.relativize(d).toString()));
        assertThat(unreachable).as("documents under docs/ that no chain of links from README.md reaches").isEmpty();
    }

    @Test
    void noFileRefersToDocumentsOutsideTheRepository() {
        List<String> found = new ArrayList<>();
        for (Path file : handWrittenTextFiles()) {
            forEachLine(file, (number, line) -> {
                OUTSIDE_DOCUMENT.matcher(line).results().forEach(m -> found.add(where(file, number) + m.group()));
                Matcher path = CLIMBING_PATH.matcher(line);
                while (path.find()) {
                    if (!file.getParent().resolve(path.group()).normalize().startsWith(ROOT)) {
                        found.add(where(file, number) + path.group() + " (leaves the repository)");
                    }
                }
            });
        }
        assertThat(found).as("references to files outside the repository: write what is needed into docs/").isEmpty();
    }

    @Test
    void noFileNamesAnIssueByNumber() {
        List<String> found = new ArrayList<>();
        for (Path file : handWrittenTextFiles()) {
            forEachLine(file, (number, line) -> ISSUE_NUMBER.matcher(line).results()
                    .forEach(m -> found.add(where(file, number) + m.group())));
        }
        assertThat(found).as("issue numbers: say what the behaviour is and why, in the project's own words").isEmpty();
    }

    @Test
    void theOutsideReferenceChecksRecogniseWhatTheyLookFor() {
        String up = "../";
        assertThat(OUTSIDE_DOCUMENT.matcher("the contracts are in " + up + "shared/" + "DESIGN" + ".md").find()).isTrue();
        assertThat(OUTSIDE_DOCUMENT.matcher("as " + "finch-api" + ".md says").find()).isTrue();
        assertThat(OUTSIDE_DOCUMENT.matcher("see docs/design.md and docs/finch.md").find()).isFalse();
        assertThat(ISSUE_NUMBER.matcher("fixed in " + "issue" + " 12").find()).isTrue();
        assertThat(ISSUE_NUMBER.matcher("see " + "#" + "16 for why").find()).isTrue();
        assertThat(ISSUE_NUMBER.matcher("reported as quarkusio/quarkus#39848, colour #ff0000, [x](#runbook), &#39;").find()).isFalse();
        Matcher climbing = CLIMBING_PATH.matcher("[design](" + up + up + "shared/x.md)");
        assertThat(climbing.find()).isTrue();
        assertThat(README.getParent().resolve(climbing.group()).normalize().startsWith(ROOT)).isFalse();
    }

    @Test
    void theReadmeStaysShort() throws IOException {
        assertThat(Files.readAllLines(README)).as("README.md lines: the rest belongs in docs/").hasSizeLessThanOrEqualTo(README_MAX_LINES);
    }

    /** Every text file of the repository that a person writes: not built, not installed, not binary. */
    private static List<Path> handWrittenTextFiles() {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> Stream.of(ROOT.relativize(f).toString().split("/")).noneMatch(GENERATED::contains))
                    .filter(f -> !APPLIED_MIGRATIONS_WITH_OLD_REFERENCES.contains(ROOT.relativize(f).toString()))
                    .filter(DocumentationLinksTest::isText).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isText(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            for (byte b : bytes) {
                if (b == 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface LineVisitor {
        void visit(int number, String line);
    }

    private static void forEachLine(Path file, LineVisitor visitor) {
        List<String> lines;
        try {
            lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < lines.size(); i++) {
            visitor.visit(i + 1, lines.get(i));
        }
    }

    private static String where(Path file, int line) {
        return ROOT.relativize(file) + ":" + line + ": ";
    }

    private static List<Path> documents() {
        List<Path> documents = new ArrayList<>(List.of(README, ROOT.resolve("deploy/README.md")));
        documents.addAll(docsFiles());
        return documents;
    }

    private static List<Path> docsFiles() {
        try (Stream<Path> files = Files.list(DOCS)) {
            return files.filter(f -> f.toString().endsWith(".md")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Why a relative link of {@code document} is broken, if it is. */
    private static Optional<String> problem(Path document, String target) {
        String where = ROOT.relativize(document) + ": (" + target + ") ";
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path file = path.isEmpty() ? document : resolve(document, path);
        if (!file.startsWith(ROOT)) {
            return Optional.of(where + "leaves the repository");
        }
        if (!Files.exists(file)) {
            return Optional.of(where + "no such file " + ROOT.relativize(file));
        }
        if (anchor != null && file.toString().endsWith(".md") && !anchors(file).contains(anchor)) {
            return Optional.of(where + "no heading with anchor #" + anchor + " in " + ROOT.relativize(file));
        }
        return Optional.empty();
    }

    private static Path resolve(Path document, String target) {
        String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        path = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        return path.startsWith("/") ? ROOT.resolve(path.substring(1)).normalize()
                : document.getParent().resolve(path).normalize();
    }

    /** The link targets of a Markdown file, outside fenced code blocks and code spans. */
    private static List<String> links(Path document) {
        List<String> targets = new ArrayList<>();
        for (String line : prose(document)) {
            String text = line.replaceAll("`[^`]*`", "");
            Matcher inline = INLINE_LINK.matcher(text);
            while (inline.find()) {
                targets.add(inline.group(1));
            }
            Matcher reference = REFERENCE_LINK.matcher(text);
            if (reference.matches()) {
                targets.add(reference.group(1));
            }
        }
        return targets;
    }

    /** The anchors GitHub gives the headings of a Markdown file. */
    static Set<String> anchors(Path document) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(document)) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = slug(heading.group(1));
                int count = seen.merge(slug, 1, Integer::sum);
                anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
            }
        }
        return anchors;
    }

    /** GitHub's heading anchor: lower case, punctuation dropped (inline markup with it), spaces to hyphens. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1").toLowerCase();
        return text.replaceAll("[^\\p{L}\\p{N}\\s_-]", "").replace(' ', '-');
    }

    /** The lines of a Markdown file outside fenced code blocks. */
    private static List<String> prose(Path document) {
        try {
            List<String> prose = new ArrayList<>();
            boolean fenced = false;
            for (String line : Files.readAllLines(document)) {
                if (line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~")) {
                    fenced = !fenced;
                } else if (!fenced) {
                    prose.add(line);
                }
            }
            return prose;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
