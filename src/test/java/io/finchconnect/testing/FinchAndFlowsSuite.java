package io.finchconnect.testing;

import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * About half of the tests on the default profile, in a Surefire JVM of their own: the Finch client, the connect
 * flows in and out of a browser, connections and sessions, reauthentication, the simulator, the database client.
 */
@Suite
@SelectPackages("io.finchconnect")
@IncludeClassNamePatterns(SuiteSelection.FINCH_AND_FLOWS)
@ExcludeClassNamePatterns({ SuiteSelection.ON_THE_PATIENT_PROFILE, SuiteSelection.MANIFESTS })
public class FinchAndFlowsSuite {
}
