package io.finchconnect.testing;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.finchconnect.testing.EventTopic.Event;

/**
 * An {@link EventTopic} for the tests of one class: subscribed before the first test, closed after the last.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");
 * </pre>
 */
public final class EventTopicExtension implements BeforeAllCallback, AfterAllCallback {

    private final String name;
    private EventTopic topic;

    public EventTopicExtension(String name) {
        this.name = name;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        topic = new EventTopic(name);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (topic != null) {
            topic.close();
            topic = null;
        }
    }

    /** See {@link EventTopic#awaitEvents}. */
    public List<Event> awaitEvents(Duration timeout, Predicate<List<Event>> done) {
        return topic().awaitEvents(timeout, done);
    }

    /** See {@link EventTopic#eventsWithKey}. */
    public List<Event> eventsWithKey(Duration timeout, String key, int count) {
        return topic().eventsWithKey(timeout, key, count);
    }

    /** See {@link EventTopic#drain}. */
    public List<Event> drain(Duration period) {
        return topic().drain(period);
    }

    private EventTopic topic() {
        if (topic == null) {
            throw new IllegalStateException("The topic " + name + " is read only while the test class runs: register "
                    + "this extension with @RegisterExtension on a static field");
        }
        return topic;
    }
}
