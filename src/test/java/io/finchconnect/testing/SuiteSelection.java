package io.finchconnect.testing;

/**
 * Which test classes each suite runs, in one place: the suites' annotations name these patterns, and
 * {@link SuitesTest} reads them. The three suites' times are about even (docs/testing.md).
 */
final class SuiteSelection {

    /** The {@code @QuarkusTest}s on {@link PatientFinchProfile}: together, so that only one JVM builds it. */
    static final String ON_THE_PATIENT_PROFILE = "io\\.finchconnect\\.(session\\.ConnectAgainAfterDisconnectTest"
            + "|finch\\.client\\.FinchConnectionPoolTest|authorization\\.StrandedGrantTest|outbox\\.OutboxTracingTest"
            + "|connection\\.(ConnectionListingTest|OperatorDisconnectTest)|reauth\\.StaleFinchAnswerTest)";

    /** Plain tests of the Kubernetes manifests, which need no application: with the patient profile's, for time. */
    static final String MANIFESTS = "io\\.finchconnect\\.deploy\\.Manifest.*Test";

    static final String FINCH_AND_FLOWS = "io\\.finchconnect\\.(finch|authorization|connection|session|reauth|e2e"
            + "|consumer|state|application|simulator|common|lifecycle|link)\\..*Test";

    static final String WEBHOOKS_AND_RELAY = "io\\.finchconnect\\.(webhook|outbox|api|deploy|docs|schema|testing"
            + "|localstack)\\..*Test";

    private SuiteSelection() {
    }
}
