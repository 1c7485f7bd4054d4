package io.finchconnect.testing;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Finch attempts of 30 s instead of the test profile's 1.5 s, for tests that send many concurrent requests
 * through the simulator on a loaded shared machine, where scheduling delays alone outlast 1.5 s and would
 * open the circuit breaker, and a pool wait of 30 s instead of 5 s for the same reason: what they test is the
 * service's answers, not the machine's scheduling.
 */
public class PatientFinchProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("finch.request-timeout", "30s", "database.pool-wait-timeout", "30s");
    }
}
