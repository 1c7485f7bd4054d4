package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every object that deploy/ renders is valid Kubernetes: built-in kinds read strictly into the fabric8
 * model, custom resources validated against their operators' CRD schemas at the pinned releases
 * ({@link CustomResourceSchemas}); in both, an unknown (misspelt) field or a wrong type fails. The overlays, the
 * optional components (added to the production overlay), the Flux split of it and the examples are all checked.
 */
class ManifestSchemaTest {

    /** The custom resources deploy/ may use, by apiVersion, with the kind each operator serves there. */
    private static final Map<String, List<String>> CUSTOM_RESOURCES = Map.of(
            "monitoring.coreos.com/v1", List.of("ServiceMonitor", "PrometheusRule"),
            // Strimzi 0.49+ serves v1 for all its resources; v1beta2 goes in 0.52 / 1.0, so deploy/ uses v1 only.
            "kafka.strimzi.io/v1", List.of("KafkaTopic", "Kafka", "KafkaNodePool", "KafkaUser"),
            "cert-manager.io/v1", List.of("Certificate"),
            "postgresql.cnpg.io/v1", List.of("Cluster"),
            "external-secrets.io/v1", List.of("ExternalSecret"),
            "cilium.io/v2", List.of("CiliumNetworkPolicy"),
            "keda.sh/v1alpha1", List.of("ScaledObject"),
            "kustomize.toolkit.fluxcd.io/v1", List.of("Kustomization"));

    private static List<Manifests> rendered;

    /** Rendered once per run: every kustomization is rendered by kubectl, which takes a second or two each. */
    static synchronized Stream<Manifests> rendered() {
        if (rendered == null) {
            rendered = renderAll().toList();
        }
        return rendered.stream();
    }

    private static Stream<Manifests> renderAll() {
        return Stream.of(Manifests.kustomizations().map(Manifests::render),
                Manifests.OPTIONAL_COMPONENTS.stream().map(Manifests::productionWith),
                Stream.of("flux/migrate", "flux/service").map(Kustomize.DEPLOY::resolve).map(Manifests::render))
                .flatMap(manifests -> manifests);
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
                assertThat(generic.getAdditionalProperties()).as(manifests + ": " + kind + " has a spec")
                        .containsKey("spec");
                // The CRD schemas leave metadata to the API server: it is ObjectMeta, read as strictly as a built-in's.
                StrictKubernetesModel.readStrictlyAs(object.path("metadata"), ObjectMeta.class, kind);
                assertThat(CustomResourceSchemas.has(object)).as(manifests + ": a vendored CRD schema for " + apiVersion
                        + " " + kind + " (" + CustomResourceSchemas.resource(object) + ")").isTrue();
            }
            // Custom resources, and the Gateway API's (fabric8 models them, but the CRDs are what the cluster runs).
            if (CustomResourceSchemas.has(object)) {
                assertThat(CustomResourceSchemas.violations(object)).as(manifests + ": " + kind + " "
                        + object.path("metadata").path("name").asText() + " against " + CustomResourceSchemas.resource(object))
                        .isEmpty();
            }
        }
    }

    @Test
    void everyOverlayRendersTheWholeService() {
        for (Manifests manifests : Manifests.kustomizations().map(Manifests::render).toList()) {
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

    /** One misspelt field per custom resource kind the overlays render, planted where each kind's fields are. */
    static Stream<Arguments> misspellings() {
        return Stream.of(
                Arguments.of("KafkaTopic", "/spec", "partitions", "partitons"),
                Arguments.of("KafkaUser", "/spec/authorization/acls/0/resource", "patternType", "patterType"),
                Arguments.of("Kafka", "/spec/kafka/listeners/0", "authentication", "authentification"),
                Arguments.of("KafkaNodePool", "/spec/template/pod/securityContext", "runAsNonRoot", "runAsNonroot"),
                Arguments.of("Cluster", "/spec/postgresql", "parameters", "parameter"),
                Arguments.of("ServiceMonitor", "/spec/endpoints/0", "interval", "intervall"),
                Arguments.of("PrometheusRule", "/spec/groups/0/rules/0", "expr", "expression"),
                Arguments.of("HTTPRoute", "/spec/rules/0/matches/0/path", "type", "kind"),
                Arguments.of("Certificate", "/spec", "dnsNames", "dnsName"),
                Arguments.of("ExternalSecret", "/spec/target", "creationPolicy", "creationPolicies"),
                Arguments.of("CiliumNetworkPolicy", "/spec/egress/1", "toFQDNs", "toFQDN"),
                Arguments.of("ScaledObject", "/spec", "maxReplicaCount", "maxReplicas"));
    }

    @ParameterizedTest(name = "{0}: {2} misspelt {3}")
    @MethodSource("misspellings")
    void aMisspeltFieldInACustomResourceFailsItsSchema(String kind, String at, String field, String misspelt) {
        JsonNode object = rendered().flatMap(manifests -> manifests.objects().stream()).filter(o -> kind.equals(o.path("kind").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " rendered")).deepCopy();
        assertThat(CustomResourceSchemas.violations(object)).as("as rendered").isEmpty();
        ObjectNode parent = (ObjectNode) object.at(at);
        assertThat(parent.has(field)).as(kind + " " + at + " has " + field).isTrue();
        parent.set(misspelt, parent.remove(field));
        assertThat(CustomResourceSchemas.violations(object)).as(kind + " with " + misspelt)
                .anySatisfy(violation -> assertThat(violation).contains(misspelt));
    }

    @Test
    void aWrongTypeOrValueInACustomResourceFailsItsSchema() {
        JsonNode topic = Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")).ofKind("KafkaTopic")
                .findFirst().orElseThrow().deepCopy();
        ((ObjectNode) topic.path("spec")).put("partitions", "twelve");
        assertThat(CustomResourceSchemas.violations(topic)).anySatisfy(v -> assertThat(v).contains("partitions"));
        JsonNode user = Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")).single("KafkaUser").deepCopy();
        ((ObjectNode) user.at("/spec/authentication")).put("type", "scram-sha-1");
        assertThat(CustomResourceSchemas.violations(user)).anySatisfy(v -> assertThat(v).contains("type"));
    }

    @Test
    void aMisspeltMetadataFieldOfACustomResourceFails() {
        JsonNode topic = Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")).ofKind("KafkaTopic")
                .findFirst().orElseThrow().deepCopy();
        ObjectNode metadata = (ObjectNode) topic.path("metadata");
        metadata.set("label", metadata.remove("labels"));
        assertThatThrownBy(() -> StrictKubernetesModel.readStrictlyAs(metadata, ObjectMeta.class, "KafkaTopic"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("label");
    }

    /** Every vendored schema says where it comes from, at which release (src/test/resources/crd-schemas/README.md). */
    @Test
    void everyVendoredSchemaNamesItsRelease() throws Exception {
        Path root = Path.of("src/test/resources/crd-schemas");
        String readme = Files.readString(root.resolve("README.md"));
        try (Stream<Path> files = Files.walk(root)) {
            List<String> schemas = files.filter(file -> file.toString().endsWith(".json"))
                    .map(file -> root.relativize(file).toString().replace('\\', '/')).sorted().toList();
            assertThat(schemas).isNotEmpty();
            for (String schema : schemas) {
                assertThat(readme).as("README.md row for " + schema).containsPattern("(?m)^\\| `" + Pattern.quote(schema)
                        + "` \\| [^|]*\\d+\\.\\d+\\.\\d+[^|]* \\|");
            }
        }
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
