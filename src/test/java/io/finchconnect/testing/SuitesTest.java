package io.finchconnect.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;

/**
 * Surefire runs the suites, not the classes: a test class that no suite selects would never run, and one that two
 * select would run twice. A {@code @QuarkusTest} on a test profile belongs in the patient profile's suite (the one
 * profile besides the default), and no other: in another suite's JVM, it would be one more Quarkus build.
 */
class SuitesTest {

    private static final List<Class<?>> SUITES = List.of(PatientProfileSuite.class, FinchAndFlowsSuite.class,
            WebhooksAndRelaySuite.class);
    private static final Pattern ANNOTATED_WITH_A_PROFILE = Pattern.compile("^@TestProfile\\(", Pattern.MULTILINE);
    private static final Path TESTS = Path.of("src", "test", "java");

    @Test
    void everyTestClassIsInExactlyOneSuite() throws IOException {
        List<String> testClasses = testClasses().stream().map(SuitesTest::className).toList();

        assertThat(testClasses).as("test classes found").hasSizeGreaterThan(50).contains(SuitesTest.class.getName());
        assertThat(testClasses).allSatisfy(testClass -> assertThat(SUITES.stream().filter(suite -> selects(suite, testClass)))
                .as("the suites that select %s", testClass).hasSize(1));
    }

    @Test
    void theApplicationsOnThePatientProfileRunInItsSuiteAndNoOthers() throws IOException {
        for (Path file : testClasses()) {
            String source = Files.readString(file);
            if (source.contains("\n@QuarkusTest")) {
                assertThat(selects(PatientProfileSuite.class, className(file))).as("%s runs in the patient profile's suite", file)
                        .isEqualTo(ANNOTATED_WITH_A_PROFILE.matcher(source).find());
            }
        }
    }

    private static List<Path> testClasses() throws IOException {
        try (Stream<Path> files = Files.walk(TESTS)) {
            return files.filter(file -> file.getFileName().toString().endsWith("Test.java")).sorted().toList();
        }
    }

    private static String className(Path file) {
        return TESTS.relativize(file).toString().replace(".java", "").replace('/', '.');
    }

    private static boolean selects(Class<?> suite, String testClass) {
        boolean included = Arrays.stream(suite.getAnnotation(IncludeClassNamePatterns.class).value()).anyMatch(testClass::matches);
        ExcludeClassNamePatterns excluded = suite.getAnnotation(ExcludeClassNamePatterns.class);
        return included && (excluded == null || Arrays.stream(excluded.value()).noneMatch(testClass::matches));
    }
}
