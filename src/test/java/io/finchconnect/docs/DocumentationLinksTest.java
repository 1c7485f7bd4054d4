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
 * document under docs/ is reachable from the README, and the README stays short.
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
    void theReadmeStaysShort() throws IOException {
        assertThat(Files.readAllLines(README)).as("README.md lines: the rest belongs in docs/").hasSizeLessThanOrEqualTo(README_MAX_LINES);
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
