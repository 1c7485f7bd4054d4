package io.finchconnect.it;

import io.finchconnect.testing.NormalBuildSlice;
import net.jqwik.api.Example;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyAttributes;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * How many sequences {@link LifecycleModelIT} runs, and from which seed. Each sequence settles against a real
 * service for seconds, so the normal build's share is a handful ({@value #NORMAL_SEQUENCES}, from
 * {@link NormalBuildSlice#SEED}: the same sequences every run, about 40-60 s with the service's start), not
 * {@link NormalBuildSlice}'s eighth; {@code -Pthorough} runs {@value #THOROUGH_SEQUENCES} with a new seed each time.
 * For a report or a replay: {@code -Dlifecycle.sequences=N}, {@code -Dlifecycle.actions=M} (most steps of a
 * sequence; at least {@code -Dlifecycle.min-actions}, default 5), {@code -Dlifecycle.seed=S} and
 * {@code -Dlifecycle.shrink=true} (shrink a failure fully outside the thorough profile too).
 */
public class LifecycleRuns implements AroundPropertyHook {

    static final int NORMAL_SEQUENCES = 6;
    static final int THOROUGH_SEQUENCES = 500;

    static int minActions() {
        return Integer.getInteger("lifecycle.min-actions", 5);
    }

    static int maxActions() {
        return Math.max(minActions(), Integer.getInteger("lifecycle.actions", 15));
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.DIRECT_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        if (context.findAnnotation(Example.class).isPresent()) {
            // A regression example replays its exact steps once.
            return property.execute();
        }
        PropertyAttributes attributes = context.attributes();
        boolean thorough = NormalBuildSlice.thorough();
        attributes.setTries(Integer.getInteger("lifecycle.sequences", thorough ? THOROUGH_SEQUENCES : NORMAL_SEQUENCES));
        String seed = System.getProperty("lifecycle.seed", thorough ? null : NormalBuildSlice.SEED);
        if (seed != null && !seed.isBlank()) {
            attributes.setSeed(seed);
        }
        // A shrinking step reruns a sequence against the service for seconds: jqwik's bounded shrinking (10 s) would
        // stop at the first. Thorough runs shrink fully, and the normal build reports its fixed sample as it is.
        attributes.setShrinking(thorough || Boolean.getBoolean("lifecycle.shrink") ? ShrinkingMode.FULL : ShrinkingMode.BOUNDED);
        return property.execute();
    }
}
