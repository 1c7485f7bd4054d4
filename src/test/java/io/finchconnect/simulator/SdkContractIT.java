package io.finchconnect.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.finchconnect.testing.NodeHarness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Finch's official TypeScript SDK ({@code @tryfinch/finch-api}, pinned in src/test/contract's lock file) as the
 * client of the simulator: {@code sdk-contract.ts}, type-checked against the SDK's declarations, drives
 * sessions, both code exchanges, introspection, reauthentication, disconnect, disconnect-entity and
 * {@code webhooks.unwrap}, and holds every response to the SDK's types. A non-zero exit fails this test with
 * the script's output, which names each failed step and field.
 */
class SdkContractIT {

    private static final String REDIRECT_URI = "http://localhost:3000/finch/callback";
    private static FinchSimulator simulator;

    @BeforeAll
    static void start() {
        simulator = FinchSimulator.start(FinchSimulator.Options.defaults().withAllowedRedirectUris(Set.of(REDIRECT_URI)));
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @Test
    void finchsOfficialSdkAcceptsEverySimulatorResponse() {
        NodeHarness.built();
        int webhookPort = freePort();
        simulator.setWebhookUrl("http://localhost:" + webhookPort + "/webhooks/finch");
        FinchSimulator.Options options = FinchSimulator.Options.defaults();

        NodeHarness.Run run = NodeHarness.run(Duration.ofMinutes(5), Map.of(
                "FINCH_SIMULATOR_URL", simulator.baseUrl(),
                "FINCH_CLIENT_ID", options.clientId(),
                "FINCH_CLIENT_SECRET", options.clientSecret(),
                "FINCH_WEBHOOK_SECRET", options.webhookSecretBase64(),
                "FINCH_REDIRECT_URI", REDIRECT_URI,
                "WEBHOOK_RECEIVER_PORT", Integer.toString(webhookPort)),
                "node", "build/src/sdk-contract.js");

        System.out.println(run.output());
        assertEquals(0, run.exitCode(), "the SDK contract failed:\n" + run.output());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
