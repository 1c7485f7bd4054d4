package io.finchconnect.testing;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;

/**
 * Registers {@link TestStackResource} for all tests of the run (global scope), so they share one application
 * unless a test asks for a profile of its own.
 */
@WithTestResource(value = TestStackResource.class, scope = TestResourceScope.GLOBAL)
public final class UsesTestStack {

    private UsesTestStack() {
    }
}
