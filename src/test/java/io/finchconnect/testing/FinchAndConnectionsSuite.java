package io.finchconnect.testing;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * Half of the unit tests and {@code @QuarkusTest}s, run by Surefire in a JVM of its own: the Finch client, the flows,
 * connections and sessions, with every class on {@link PatientFinchProfile}, so this JVM builds the default
 * application and the patient one. {@link SuitesTest} checks that every test class is in exactly one suite.
 */
@Suite
@SelectPackages("io.finchconnect")
@IncludeClassNamePatterns({ "io\\.finchconnect\\.(finch|authorization|connection|session|e2e)\\..*Test",
        "io\\.finchconnect\\.outbox\\.OutboxTracingTest" })
public class FinchAndConnectionsSuite {
}
