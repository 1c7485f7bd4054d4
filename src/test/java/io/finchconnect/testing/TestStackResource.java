package io.finchconnect.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points every {@code @QuarkusTest} at the {@link TestStack}; the stack itself outlives each application so it
 * starts once per test run.
 */
public class TestStackResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return TestStack.get().config();
    }

    @Override
    public void stop() {
        // The stack is shared by every test application of this JVM and stopped by its shutdown hook.
    }
}
