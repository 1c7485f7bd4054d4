package io.finchconnect.testing;

import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The other half, in the other Surefire JVM: the outbox and its relay (with the relay-less profile), the inbox and
 * webhooks, reauthentication, and the tests of the API's surface, the documents, the manifests and the test stack.
 */
@Suite
@SelectPackages("io.finchconnect")
@IncludeClassNamePatterns("io\\.finchconnect\\.(outbox|webhook|reauth|api|application|common|consumer|deploy|docs|localstack"
        + "|schema|simulator|state|testing)\\..*Test")
@ExcludeClassNamePatterns("io\\.finchconnect\\.outbox\\.OutboxTracingTest")
public class RelayAndInboxSuite {
}
