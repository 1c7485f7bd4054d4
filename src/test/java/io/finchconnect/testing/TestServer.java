package io.finchconnect.testing;

/**
 * A server of the test stack that fault tests take away and bring back: PostgreSQL, the Kafka broker, the Finch
 * simulator. Reached through {@link TestStack}, whatever the test's class loader.
 */
public interface TestServer {

    /** Stops the server as an operator would (clean shutdown), keeping its port and data; nothing if stopped. */
    void stop();

    /** Starts a stopped (or killed) server again on the same port and data; nothing if it runs. */
    void start();

    /**
     * Ends the server as a crash would ({@code kill -9}). A server that cannot be killed safely says so with an
     * {@link UnsupportedOperationException}.
     */
    void kill();
}
