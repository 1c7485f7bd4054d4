package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka and PostgreSQL only over verified TLS, and Kafka with credentials: a Strimzi KafkaUser (SCRAM-SHA-512)
 * whose ACLs are exactly the topics and the group the application's configuration uses, its generated
 * credentials and the cluster CA wired into the KAFKA_* settings; sslmode=verify-full with the database CA
 * in both database URLs; the topics in every overlay, labelled with the cluster the service is pointed at,
 * on Strimzi's v1 API.
 */
class ManifestSecureConnectionsTest {

    private static final ApplicationProperties APP = ApplicationProperties.load();

    static Stream<ManifestApplicationConsistencyTest.Rendered> rendered() {
        return Stream.of("overlays/local", "overlays/production").map(Kustomize.DEPLOY::resolve).map(Manifests::render)
                .map(ManifestApplicationConsistencyTest.Rendered::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theKafkaUserMayDoExactlyWhatTheServiceDoes(ManifestApplicationConsistencyTest.Rendered rendered) {
        Map<String, String> config = rendered.configured();
        String outboxTopic = setting(config, "outbox.topic");
        String webhooksTopic = setting(config, "mp.messaging.incoming.finch-webhooks.topic");
        String group = setting(config, "mp.messaging.incoming.finch-webhooks.group.id");

        JsonNode user = rendered.manifests().single("KafkaUser");
        assertThat(user.path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1");
        assertThat(user.path("spec").path("authentication").path("type").asText()).isEqualTo("scram-sha-512");
        assertThat(user.path("spec").path("authorization").path("type").asText()).isEqualTo("simple");
        Set<String> acls = new TreeSet<>();
        for (JsonNode acl : user.path("spec").path("authorization").path("acls")) {
            JsonNode resource = acl.path("resource");
            assertThat(resource.path("patternType").asText()).as("a prefix would grant more than the one name").isEqualTo("literal");
            assertThat(acl.has("operation")).as("v1 has operations only").isFalse();
            for (JsonNode operation : acl.path("operations")) {
                acls.add(resource.path("type").asText() + " " + resource.path("name").asText() + " " + operation.asText());
            }
        }
        assertThat(acls).containsExactlyInAnyOrder(
                "topic " + outboxTopic + " Describe", "topic " + outboxTopic + " Write",
                "topic " + webhooksTopic + " Describe", "topic " + webhooksTopic + " Read",
                "group " + group + " Read");

        // The topics exist in this overlay, for the same cluster, on the v1 API.
        Set<String> topics = new HashSet<>();
        rendered.manifests().ofKind("KafkaTopic").forEach(topic -> {
            assertThat(topic.path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1");
            topics.add(topic.path("spec").path("topicName").asText(topic.path("metadata").path("name").asText()));
        });
        assertThat(topics).contains(outboxTopic, webhooksTopic);

        String bootstrap = config.get("KAFKA_BOOTSTRAP_SERVERS").split(",")[0];
        String[] host = bootstrap.substring(0, bootstrap.lastIndexOf(':')).split("\\.");
        String cluster = host[0].replaceFirst("-kafka-bootstrap$", "");
        String namespace = host.length > 1 ? host[1] : rendered.deployment().getMetadata().getNamespace();
        rendered.manifests().objects().stream().filter(o -> o.path("apiVersion").asText().startsWith("kafka.strimzi.io/"))
                .filter(o -> !o.path("kind").asText().equals("Kafka")).forEach(o -> {
                    assertThat(o.path("metadata").path("labels").path("strimzi.io/cluster").asText())
                            .as(o.path("kind").asText() + " " + o.path("metadata").path("name").asText()).isEqualTo(cluster);
                    assertThat(o.path("metadata").path("namespace").asText()).as("where Strimzi's operators watch")
                            .isEqualTo(namespace);
                });
        rendered.manifests().ofKind("Kafka").forEach(kafka -> {
            assertThat(kafka.path("metadata").path("name").asText()).isEqualTo(cluster);
            assertThat(kafka.path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1");
            int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
            JsonNode listener = null;
            for (JsonNode candidate : kafka.path("spec").path("kafka").path("listeners")) {
                if (candidate.path("port").asInt() == port) {
                    listener = candidate;
                }
            }
            assertThat(listener).as("a listener on " + port).isNotNull();
            assertThat(listener.path("tls").asBoolean()).isTrue();
            assertThat(listener.path("authentication").path("type").asText()).isEqualTo("scram-sha-512");
            assertThat(kafka.path("spec").path("kafka").path("authorization").path("type").asText()).isEqualTo("simple");
            assertThat(kafka.path("spec").path("kafka").path("listeners").findValues("tls"))
                    .as("no plaintext listener").allMatch(JsonNode::asBoolean);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theKafkaClientsUseTlsWithTheClusterCaAndTheUsersGeneratedCredentials(ManifestApplicationConsistencyTest.Rendered rendered) {
        Map<String, String> config = rendered.configured();
        assertThat(config).containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_SSL").containsEntry("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
                .containsEntry("KAFKA_SSL_TRUSTSTORE_TYPE", "PEM");
        // The application passes them to every Kafka client.
        assertThat(APP.value("kafka.security.protocol", "")).isEqualTo("${KAFKA_SECURITY_PROTOCOL:PLAINTEXT}");
        assertThat(APP.value("kafka.sasl.jaas.config", "")).isEqualTo("${KAFKA_SASL_JAAS_CONFIG:}");
        assertThat(APP.value("kafka.ssl.truststore.location", "")).isEqualTo("${KAFKA_SSL_TRUSTSTORE_LOCATION:}");
        String user = rendered.manifests().single("KafkaUser").path("metadata").path("name").asText();
        assertThat(rendered.variableSources()).containsEntry("KAFKA_SASL_JAAS_CONFIG", "secret " + user + "/sasl.jaas.config");
        assertMountedFromSecret(rendered, config.get("KAFKA_SSL_TRUSTSTORE_LOCATION"), "ca.crt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void bothDatabaseUrlsVerifyTheServerWithTheDatabaseCa(ManifestApplicationConsistencyTest.Rendered rendered) {
        Map<String, String> config = rendered.configured();
        String jdbc = config.get("QUARKUS_DATASOURCE_JDBC_URL");
        String reactive = config.get("QUARKUS_DATASOURCE_REACTIVE_URL");
        assertThat(parameters(jdbc)).containsEntry("sslmode", "verify-full").containsKey("sslrootcert");
        assertThat(parameters(reactive)).containsEntry("sslmode", "verify-full");
        assertThat(config.get("DB_SSL_ROOT_CERT")).as("the reactive client's CA (DatabaseTls)")
                .isEqualTo(parameters(jdbc).get("sslrootcert"));
        assertThat(APP.value("database.ssl-root-cert", "")).isEqualTo("${DB_SSL_ROOT_CERT:}");
        assertThat(jdbc.substring("jdbc:".length()).replaceFirst("\\?.*", "")).isEqualTo(reactive.replaceFirst("\\?.*", ""));
        assertMountedFromSecret(rendered, config.get("DB_SSL_ROOT_CERT"), "ca.crt");
    }

    private static void assertMountedFromSecret(ManifestApplicationConsistencyTest.Rendered rendered, String file, String key) {
        assertThat(file).isNotBlank();
        VolumeMount mount = rendered.container().getVolumeMounts().stream().filter(m -> file.startsWith(m.getMountPath() + "/"))
                .findFirst().orElseThrow(() -> new AssertionError(rendered + ": nothing mounted at " + file));
        Volume volume = rendered.pod().getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertThat(volume.getSecret()).as(file).isNotNull();
        assertThat(volume.getSecret().getItems()).anySatisfy(item -> {
            assertThat(item.getKey()).isEqualTo(key);
            assertThat(mount.getMountPath() + "/" + item.getPath()).isEqualTo(file);
        });
    }

    private static String setting(Map<String, String> config, String property) {
        ApplicationProperties.Variable variable = ApplicationProperties.variable(APP.value(property, "")).orElseThrow();
        return config.getOrDefault(variable.name(), variable.defaultValue());
    }

    private static Map<String, String> parameters(String url) {
        Map<String, String> parameters = new HashMap<>();
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String pair : url.substring(query + 1).split("&")) {
                String[] kv = pair.split("=", 2);
                parameters.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        return parameters;
    }
}
