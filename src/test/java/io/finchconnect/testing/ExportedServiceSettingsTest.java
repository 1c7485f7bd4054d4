package io.finchconnect.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;

/**
 * The service's own variables exported in a developer's shell point neither the test stack nor the application
 * under test anywhere: Surefire exports decoys of them for every test (pom.xml), as such a shell would.
 */
@QuarkusTest
class ExportedServiceSettingsTest {

    private static final List<String> KEYS = List.of("quarkus.datasource.reactive.url", "quarkus.datasource.jdbc.url",
            "quarkus.datasource.username", "quarkus.datasource.password", "kafka.bootstrap.servers");

    /** What the outbox relay's producer and the webhook consumer are built from. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaClients;

    @Test
    void exportedServiceVariablesReachNeitherTheTestStackNorTheApplication() {
        assertThat(System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL")).as("Surefire's decoy").contains("exported-elsewhere");
        assertThat(System.getenv("KAFKA_BOOTSTRAP_SERVERS")).as("Surefire's decoy").isNotBlank();

        for (String key : KEYS) {
            String value = ConfigProvider.getConfig().getValue(key, String.class);
            assertThat(value).as(key).isEqualTo(TestStack.get().config().get(key)).doesNotContain("exported-elsewhere");
        }
        assertThat(Sql.count("SELECT count(*) FROM flyway_schema_history")).isPositive();
        assertThat(kafkaClients.get("bootstrap.servers")).as("the Kafka clients' bootstrap servers")
                .isEqualTo(TestStack.get().config().get("kafka.bootstrap.servers"));
    }
}
