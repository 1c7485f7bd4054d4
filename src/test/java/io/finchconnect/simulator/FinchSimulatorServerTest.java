package io.finchconnect.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The simulator as a test server: it goes away and comes back on the same port with the same state. */
class FinchSimulatorServerTest {

    @Test
    void stoppedSimulatorRefusesConnectionsAndComesBackWithItsState() throws IOException {
        try (FinchSimulator simulator = FinchSimulator.start(FinchSimulator.Options.defaults())) {
            SimulatorClient client = new SimulatorClient(simulator);
            JsonObject token = client.connect(SimulatorClient.uniqueCustomerId());
            int port = simulator.port();

            simulator.stop();
            assertThrows(IOException.class, () -> client.sendOrThrow(client.request("/introspect").GET().build()));
            simulator.stop();

            simulator.start();
            simulator.start();
            assertEquals(port, simulator.port());
            SimulatorClient.Reply introspection = client.bearerGet("/introspect", token.getString("access_token"));
            assertEquals(200, introspection.status(), introspection.body());
        }
    }

    @Test
    void killIsRefusedWithTheReason() {
        try (FinchSimulator simulator = FinchSimulator.start(FinchSimulator.Options.defaults())) {
            UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class, simulator::kill);
            assertEquals(true, refused.getMessage().contains("stop()"), refused.getMessage());
        }
    }
}
