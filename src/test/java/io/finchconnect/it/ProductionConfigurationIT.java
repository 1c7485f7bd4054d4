package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.finchconnect.testing.DevJwt;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

class ProductionConfigurationIT {

    @Test
    void withoutItsSettingsTheJarRefusesToStartAndNamesEveryMissingVariable() throws Exception {
        ServiceProcess service = ServiceProcess.start(Map.of(), "no-settings");

        assertThat(service.exitsWithin(Duration.ofSeconds(60))).isTrue();
        assertThat(service.exitCode()).isNotZero();
        assertThat(service.output()).contains(ServiceProcess.REQUIRED_VARIABLES);
    }

    /** MP_JWT_VERIFY_AUDIENCES among them: without it, a token minted for any service of the issuer would pass. */
    @ParameterizedTest
    @ValueSource(strings = { "KAFKA_BOOTSTRAP_SERVERS", "MP_JWT_VERIFY_AUDIENCES" })
    void oneMissingVariableIsNamedAndNoSecretIsPrinted(String missing) throws Exception {
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.remove(missing);
        ServiceProcess service = ServiceProcess.start(environment, "one-missing");

        assertThat(service.exitsWithin(Duration.ofSeconds(60))).isTrue();
        assertThat(service.exitCode()).isNotZero();
        assertThat(service.output()).contains(missing)
                .doesNotContain(environment.get("FINCH_CLIENT_SECRET"))
                .doesNotContain(environment.get("FINCH_WEBHOOK_SECRET"))
                .doesNotContain(environment.get("TOKEN_VAULT_KEYS").split(",")[0].split(":")[1]);
    }

    @Test
    void aWebhookSecretThatIsNotBase64StopsStartUp() throws Exception {
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("FINCH_WEBHOOK_SECRET", "not base64!");
        ServiceProcess service = ServiceProcess.start(environment, "bad-secret");

        assertThat(service.exitsWithin(Duration.ofSeconds(60))).isTrue();
        assertThat(service.output()).contains("FINCH_WEBHOOK_SECRET").doesNotContain("not base64!");
    }

    /**
     * What a running instance started with exactly the documented variables shows; one start for all of them, as
     * none changes the service.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithExactlyTheDocumentedVariables {

        private ServiceProcess service;

        @BeforeAll
        void start() throws Exception {
            service = ServiceProcess.start(ServiceProcess.environmentFor(TestStack.get()), "documented");
            service.awaitReady();
        }

        @AfterAll
        void stop() throws Exception {
            if (service != null) {
                service.close();
            }
        }

        @Test
        void theJarStartsAndIsReadyOnTheDatabaseAlone() throws Exception {
            HttpResponse<String> ready = get(service.managementUrl("/q/health/ready"));
            assertThat(ready.statusCode()).isEqualTo(200);
            // Readiness is the database's only: neither Kafka nor the outbox backlog takes the API out of the Service.
            assertThat(ready.body()).contains("\"status\": \"UP\"").doesNotContainIgnoringCase("kafka");
        }

        /**
         * A start that nothing is wrong with logs nothing at WARN or above, several pooled connections in use
         * included (each new one registered the SQL client's metrics again, and the second one warned): a warning
         * at every start teaches people to overlook warnings.
         */
        @Test
        void aStartAndSeveralDatabaseConnectionsLogNothingAtWarnOrAbove() throws Exception {
            String reader = TestStack.get().jwt().token("connections:read");
            List<CompletableFuture<HttpResponse<String>>> listings = IntStream.range(0, 16).mapToObj(i -> HTTP.sendAsync(
                    HttpRequest.newBuilder(URI.create(service.url("/v1/connections?limit=1"))).header("Authorization", "Bearer " + reader)
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString())).toList();
            for (CompletableFuture<HttpResponse<String>> listing : listings) {
                assertThat(listing.get(15, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(serviceConnections()).as("pooled connections the listings opened").isGreaterThanOrEqualTo(2);

            assertThat(service.output().lines().filter(line -> line.contains("\"level\":\"WARN\"") || line.contains("\"level\":\"ERROR\"")))
                    .as("WARN and ERROR lines logged since start-up").isEmpty();
        }

        @Test
        void healthAndMetricsAreServedOnTheManagementPortAndNotOnTheApiPort() throws Exception {
            for (String path : new String[] { "/q/health", "/q/health/live", "/q/health/ready", "/q/health/started",
                    "/q/metrics" }) {
                assertThat(get(service.url(path)).statusCode()).as("API port " + path).isEqualTo(404);
                assertThat(get(service.managementUrl(path)).statusCode()).as("management port " + path).isEqualTo(200);
            }
            assertThat(get(service.managementUrl("/q/metrics")).body()).contains("http_server_active_requests");
            assertThat(get(service.managementUrl("/v1/connect/callback")).statusCode()).as("no API on the management port")
                    .isEqualTo(404);
        }

        @Test
        void aTokenTheSameIssuerMintedForAnotherServiceIsUnauthorized() throws Exception {
            DevJwt jwt = TestStack.get().jwt();

            assertThat(getAs(service.url("/v1/connections?limit=1"), jwt.tokenFor(Set.of("another-service"), "connections:read"))
                    .statusCode()).isEqualTo(401);
            assertThat(getAs(service.url("/v1/connections?limit=1"), jwt.token("connections:read")).statusCode()).isEqualTo(200);
        }

        /** The Vert.x PostgreSQL client's connections to the stack's database (it names itself in application_name). */
        private int serviceConnections() throws Exception {
            Map<String, String> environment = ServiceProcess.environmentFor(TestStack.get());
            try (Connection connection = DriverManager.getConnection(environment.get("QUARKUS_DATASOURCE_JDBC_URL"),
                    environment.get("QUARKUS_DATASOURCE_USERNAME"), environment.get("QUARKUS_DATASOURCE_PASSWORD"));
                 Statement statement = connection.createStatement();
                 java.sql.ResultSet count = statement.executeQuery("SELECT count(*) FROM pg_stat_activity"
                         + " WHERE datname = current_database() AND application_name = 'vertx-pg-client'")) {
                count.next();
                return count.getInt(1);
            }
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> getAs(String url, String bearerToken) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + bearerToken).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
