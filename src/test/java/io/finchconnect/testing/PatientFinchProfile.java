package io.finchconnect.testing;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Finch attempts of 30 s instead of the test profile's 1.5 s, for tests that send many concurrent requests
 * through the simulator on a loaded shared machine, where scheduling delays alone outlast 1.5 s and would
 * open the circuit breaker, and a pool wait of 30 s instead of 5 s for the same reason: what they test is the
 * service's answers, not the machine's scheduling.
 *
 * <p>Tracing is on here too, sampled and exported nowhere (no collector), for the test of its propagation into
 * the events: every test profile is a Quarkus build of its own, about a minute of the suite on two cores, and
 * tracing changes nothing that the other tests of this profile check.
 */
public class PatientFinchProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("finch.request-timeout", "30s", "database.pool-wait-timeout", "30s",
                "quarkus.otel.sdk.disabled", "false", "quarkus.otel.traces.sampler", "always_on",
                "quarkus.otel.exporter.otlp.endpoint", "http://localhost:1", "quarkus.otel.bsp.schedule.delay", "1h");
    }
}
