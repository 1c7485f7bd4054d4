package io.finchconnect.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;

/**
 * Surefire runs the suites, not the classes: a test class that no suite selects would never run, and one that two
 * select would run twice.
 */
class SuitesTest {

    private static final List<Class<?>> SUITES = List.of(FinchAndConnectionsSuite.class, RelayAndInboxSuite.class);
    private static final Path TESTS = Path.of("src", "test", "java");

    @Test
    void everyTestClassIsInExactlyOneSuite() throws IOException {
        List<String> testClasses;
        try (Stream<Path> files = Files.walk(TESTS)) {
            testClasses = files.filter(file -> file.getFileName().toString().endsWith("Test.java"))
                    .map(file -> TESTS.relativize(file).toString().replace(".java", "").replace('/', '.')).sorted().toList();
        }

        assertThat(testClasses).as("test classes found").hasSizeGreaterThan(50).contains(SuitesTest.class.getName());
        assertThat(testClasses).allSatisfy(testClass -> assertThat(SUITES.stream().filter(suite -> selects(suite, testClass)))
                .as("the suites that select %s", testClass).hasSize(1));
    }

    private static boolean selects(Class<?> suite, String testClass) {
        boolean included = Arrays.stream(suite.getAnnotation(IncludeClassNamePatterns.class).value()).anyMatch(testClass::matches);
        ExcludeClassNamePatterns excluded = suite.getAnnotation(ExcludeClassNamePatterns.class);
        return included && (excluded == null || Arrays.stream(excluded.value()).noneMatch(testClass::matches));
    }
}
