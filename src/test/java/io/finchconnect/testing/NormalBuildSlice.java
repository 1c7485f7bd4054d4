package io.finchconnect.testing;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyAttributes;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The normal build's share of a long-running property: an eighth of its tries (at least {@value #MIN_TRIES}),
 * drawn from a fixed seed, so every run checks the same inputs in about an eighth of the time. Under the
 * {@code thorough} Maven profile ({@code -Dthorough=true}) the property runs whole, with a new seed each time.
 * A failure of either kind prints its seed, which {@code @Property(seed = ...)} replays.
 *
 * <p>Registered on a container with {@code @AddLifecycleHook(NormalBuildSlice.class)}.
 */
public class NormalBuildSlice implements AroundPropertyHook {

    /** The seed of the normal build's slice; changing it draws other inputs, as a thorough run does. */
    public static final String SEED = "20261207";
    private static final int MIN_TRIES = 5;
    private static final int SHARE = 8;

    public static boolean thorough() {
        return Boolean.getBoolean("thorough");
    }

    /** Registered on the class, it wraps the class's properties. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.DIRECT_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        if (!thorough()) {
            PropertyAttributes attributes = context.attributes();
            attributes.tries().ifPresent(tries -> attributes.setTries(Math.max(MIN_TRIES, tries / SHARE)));
            if (attributes.seed().isEmpty()) {
                attributes.setSeed(SEED);
            }
        }
        return property.execute();
    }
}
