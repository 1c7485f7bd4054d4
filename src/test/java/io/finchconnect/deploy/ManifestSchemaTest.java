package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every object that deploy/ renders is valid Kubernetes: built-in kinds read strictly into the fabric8
 * model (unknown fields and wrong types fail), custom resources at least well-formed and of an expected kind.
 */
class ManifestSchemaTest {

    /** The custom resources deploy/ may use, by apiVersion, with the kind each operator serves there. */
    private static final Map<String, List<String>> CUSTOM_RESOURCES = Map.of(
            "monitoring.coreos.com/v1", List.of("ServiceMonitor", "PrometheusRule"),
            // Strimzi 0.49+ serves v1 for all its resources; v1beta2 goes in 0.52 / 1.0, so deploy/ uses v1 only.
            "kafka.strimzi.io/v1", List.of("KafkaTopic", "Kafka", "KafkaNodePool", "KafkaUser"),
            "cert-manager.io/v1", List.of("Certificate"),
            "postgresql.cnpg.io/v1", List.of("Cluster"),
            "external-secrets.io/v1", List.of("ExternalSecret"));

    static Stream<Manifests> rendered() {
        return Manifests.kustomizations().map(Manifests::render);
    }

    static Stream<Manifests> examples() throws Exception {
        try (Stream<Path> files = Files.list(Kustomize.DEPLOY.resolve("examples"))) {
            return files.filter(file -> file.toString().endsWith(".yaml")).sorted().map(Manifests::read).toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({ "rendered", "examples" })
    void everyObjectMatchesItsSchema(Manifests manifests) {
        assertThat(manifests.objects()).as(manifests.source()).isNotEmpty();
        for (JsonNode object : manifests.objects()) {
            String apiVersion = object.path("apiVersion").asText();
            String kind = object.path("kind").asText();
            assertThat(object.path("metadata").path("name").asText()).as(manifests + ": name of a " + kind).isNotBlank();
            if (StrictKubernetesModel.isBuiltIn(object)) {
                StrictKubernetesModel.readStrictly(object);
            } else {
                assertThat(CUSTOM_RESOURCES).as(manifests + ": custom resource " + apiVersion + " " + kind)
                        .containsKey(apiVersion);
                assertThat(CUSTOM_RESOURCES.get(apiVersion)).as(manifests + ": kind in " + apiVersion).contains(kind);
                GenericKubernetesResource generic = StrictKubernetesModel.readGeneric(object);
                assertThat(generic.getMetadata().getName()).isNotBlank();
                assertThat(generic.getAdditionalProperties()).as(manifests + ": " + kind + " has a spec")
                        .containsKey("spec");
            }
        }
    }

    @Test
    void everyOverlayRendersTheWholeService() {
        for (Manifests manifests : rendered().toList()) {
            for (String kind : List.of("ServiceAccount", "ConfigMap", "Deployment", "Service",
                    "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Job", "ResourceQuota", "LimitRange")) {
                assertThat(manifests.ofKind(kind)).as(manifests + " has a " + kind).isNotEmpty();
            }
            assertThat(manifests.ofKind("Secret")).as(manifests + ": Secrets are created out of band").isEmpty();
        }
    }

    @Test
    void theOptionalComponentsAreUsedByTheOverlays() {
        Manifests production = Manifests.render(Kustomize.DEPLOY.resolve("overlays/production"));
        assertThat(production.ofKind("ServiceMonitor")).hasSize(1);
        assertThat(production.ofKind("HTTPRoute")).hasSize(1);
        assertThat(production.ofKind("KafkaUser")).hasSize(1);
        assertThat(production.ofKind("PrometheusRule")).hasSize(1);
        assertThat(production.ofKind("ConfigMap").filter(map -> "1".equals(map.path("metadata").path("labels")
                .path("grafana_dashboard").asText()))).as("the outbox dashboard").hasSize(1);
        Manifests local = Manifests.render(Kustomize.DEPLOY.resolve("overlays/local"));
        for (Manifests overlay : List.of(local, production)) {
            assertThat(overlay.ofKind("KafkaTopic").map(topic -> topic.path("metadata").path("name").asText()))
                    .as(overlay.source()).containsExactlyInAnyOrder("finch.connection-events", "finch.webhooks");
        }
        assertThat(local.ofKind("Cluster")).hasSize(1);
    }

    @Test
    void theLocalInfrastructureIsTheOneTheServiceIsPointedAt() {
        Manifests local = Manifests.render(Kustomize.DEPLOY.resolve("overlays/local"));
        JsonNode config = local.single("ConfigMap").path("data");
        assertThat(local.ofKind("KafkaTopic").map(topic -> topic.path("metadata").path("name").asText()))
                .contains(config.path("OUTBOX_TOPIC").asText("finch.connection-events"));
        String kafka = local.single("Kafka").path("metadata").path("name").asText();
        assertThat(config.path("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo(kafka + "-kafka-bootstrap:9093");
        local.ofKind("KafkaTopic").forEach(topic -> assertThat(topic.path("metadata").path("labels")
                .path("strimzi.io/cluster").asText()).isEqualTo(kafka));

        JsonNode database = local.single("Cluster");
        String host = database.path("metadata").path("name").asText() + "-rw";
        String name = database.path("spec").path("bootstrap").path("initdb").path("database").asText();
        assertThat(config.path("QUARKUS_DATASOURCE_REACTIVE_URL").asText()).startsWith("postgresql://" + host + ":5432/" + name + "?");
        assertThat(config.path("QUARKUS_DATASOURCE_JDBC_URL").asText()).startsWith("jdbc:postgresql://" + host + ":5432/" + name + "?");
        // CloudNativePG creates the owner, the migrator, from the Secret the migration Job reads, and keeps the
        // service's own role in step with the Secret the Deployment reads.
        String ownerSecret = database.path("spec").path("bootstrap").path("initdb").path("secret").path("name").asText();
        assertThat(passwordSecret(local.single("Job"))).isEqualTo(ownerSecret);
        JsonNode serviceRole = database.path("spec").path("managed").path("roles").get(0);
        assertThat(serviceRole.path("login").asBoolean()).isTrue();
        assertThat(passwordSecret(local.single("Deployment"))).isEqualTo(serviceRole.path("passwordSecret").path("name").asText())
                .isNotEqualTo(ownerSecret);
        assertThat(database.path("spec").path("bootstrap").path("initdb").path("postInitApplicationSQL").toString())
                .contains("ALTER DEFAULT PRIVILEGES FOR ROLE " + database.path("spec").path("bootstrap").path("initdb")
                        .path("owner").asText())
                .contains("TO " + serviceRole.path("name").asText());
    }

    private static String passwordSecret(JsonNode workload) {
        for (JsonNode env : workload.path("spec").path("template").path("spec").path("containers").get(0).path("env")) {
            if ("QUARKUS_DATASOURCE_PASSWORD".equals(env.path("name").asText())) {
                return env.path("valueFrom").path("secretKeyRef").path("name").asText();
            }
        }
        throw new AssertionError("no QUARKUS_DATASOURCE_PASSWORD in " + workload.path("kind").asText());
    }

    @Test
    void aMisspeltFieldFailsStrictReading() {
        String yaml = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: typo
                spec:
                  selector:
                    matchLabels: {app: typo}
                  template:
                    metadata:
                      labels: {app: typo}
                    spec:
                      containers:
                        - name: app
                          image: app
                          livenessProb:
                            httpGet: {path: /q/health/live, port: http}
                """;
        JsonNode deployment = Manifests.parse("inline", yaml).single("Deployment");
        assertThatThrownBy(() -> StrictKubernetesModel.readStrictly(deployment))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("livenessProb");
    }

    @Test
    void aWrongTypeFailsStrictReading() {
        String yaml = """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: typo
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels: [app]
                """;
        JsonNode pdb = Manifests.parse("inline", yaml).single("PodDisruptionBudget");
        assertThatThrownBy(() -> StrictKubernetesModel.readStrictly(pdb)).isInstanceOf(AssertionError.class);
    }
}
