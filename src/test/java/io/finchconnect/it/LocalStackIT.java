package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.ServiceProcess;

/**
 * The local stack (docs/local-stack.md), started as a developer would (in jar mode here, to keep the test short): every
 * server comes up and answers, the printed token works, and Ctrl-C (SIGINT) stops everything.
 */
class LocalStackIT {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void startsEverythingPrintsAWorkingTokenAndStopsOnCtrlC() throws Exception {
        assertThat(sigintIgnored()).as("SIGINT is ignored in this process, and so in the local stack it starts: the build "
                + "was started in the background of a shell without job control (bash ... &), where Ctrl-C cannot be "
                + "tested. Start it in the foreground, or from a shell with job control (set -m).").isFalse();
        int service = ServiceProcess.freePort();
        int management = ServiceProcess.freePort();
        int postgres = ServiceProcess.freePort();
        int kafka = ServiceProcess.freePort();
        int finch = ServiceProcess.freePort();
        Path home = Path.of("target", "it-local-stack-" + service);
        Path output = Path.of("target", "it-logs", "local-stack-" + service + ".log");
        Files.createDirectories(output.getParent());
        Process stack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath(), "-Dlocal.service=jar", "-Dlocal.dir=" + home, "-Dlocal.service-port=" + service,
                "-Dlocal.management-port=" + management,
                "-Dlocal.postgres-port=" + postgres, "-Dlocal.kafka-port=" + kafka, "-Dlocal.finch-port=" + finch,
                "io.finchconnect.localstack.LocalStack")
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        assertThat(stack.isAlive()).as("local stack exited:%n%s", Files.readString(output)).isTrue();
                        return Files.readString(output).contains("[local-stack] ready:");
                    });
            String log = Files.readString(output);
            assertThat(log).contains("localhost:" + postgres, "localhost:" + kafka, "http://localhost:" + finch,
                    "http://localhost:" + service);

            assertThat(get("http://localhost:" + management + "/q/health/ready", null).statusCode()).isEqualTo(200);
            String token = log.lines().filter(line -> line.contains("export TOKEN=")).findFirst().orElseThrow()
                    .replaceAll(".*export TOKEN=", "");
            assertThat(get("http://localhost:" + service + "/v1/admin/outbox/parked", token).statusCode()).isEqualTo(200);
            assertThat(get("http://localhost:" + service + "/v1/admin/outbox/parked", null).statusCode()).isEqualTo(401);
            assertConnectPageRenders("http://localhost:" + finch);

            List<ProcessHandle> children = stack.descendants().toList();
            new ProcessBuilder("kill", "-INT", String.valueOf(stack.pid())).start().waitFor();

            assertThat(stack.waitFor(90, TimeUnit.SECONDS)).as("stops on SIGINT").isTrue();
            assertThat(children).allMatch(child -> !child.isAlive());
            for (int port : List.of(service, management, postgres, kafka, finch)) {
                assertThat(isListening(port)).as("port %d closed", port).isFalse();
            }
            assertThat(Files.readString(output)).contains("[local-stack] local stack stopped");
        } finally {
            stack.descendants().forEach(ProcessHandle::destroyForcibly);
            stack.destroyForcibly();
        }
    }

    /** Whether this JVM was started with SIGINT ignored, which every process it starts inherits (Linux). */
    private static boolean sigintIgnored() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        return Files.readAllLines(status).stream().filter(line -> line.startsWith("SigIgn:")).findFirst()
                .map(line -> (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << 1)) != 0)
                .orElse(false);
    }

    private void assertConnectPageRenders(String finch) throws Exception {
        String credentials = Base64.getEncoder().encodeToString("sim-client-id:sim-client-secret".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> session = http.send(HttpRequest.newBuilder(URI.create(finch + "/connect/sessions"))
                .header("Authorization", "Basic " + credentials).header("Finch-API-Version", "2020-09-17")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"customer_id":"local-stack-it","customer_name":"Acme","products":["company","directory"]}"""))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(session.statusCode()).isEqualTo(201);
        JsonNode body = new ObjectMapper().readTree(session.body());
        HttpResponse<String> page = get(body.get("connect_url").asText(), null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("id=\"authorize\"", "provider-");
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket("localhost", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String classpath() throws IOException {
        String dependencies = Files.readString(Path.of("target", "test-classpath.txt")).trim();
        return String.join(File.pathSeparator, Path.of("target", "test-classes").toString(),
                Path.of("target", "classes").toString(), dependencies);
    }
}
