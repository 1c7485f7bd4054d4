package io.finchconnect.testing;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The {@code @QuarkusTest}s on {@link PatientFinchProfile}, in a Surefire JVM of their own that builds that
 * application and not the default one, and the manifests' plain tests.
 */
@Suite
@SelectPackages("io.finchconnect")
@IncludeClassNamePatterns({ SuiteSelection.ON_THE_PATIENT_PROFILE, SuiteSelection.MANIFESTS })
public class PatientProfileSuite {
}
