package io.finchconnect.testing;

import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The other half of the tests on the default profile, in a Surefire JVM of their own: webhooks and the inbox,
 * the outbox and its relay, the API's surface, the monitoring dashboard, the documents and the test stack.
 */
@Suite
@SelectPackages("io.finchconnect")
@IncludeClassNamePatterns(SuiteSelection.WEBHOOKS_AND_RELAY)
@ExcludeClassNamePatterns({ SuiteSelection.ON_THE_PATIENT_PROFILE, SuiteSelection.MANIFESTS })
public class WebhooksAndRelaySuite {
}
