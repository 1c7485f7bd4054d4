package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeItem;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.finchconnect.testing.ServiceProcess;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What running the service in a shared cluster needs beyond the Deployment: the migration Job before the
 * rollout, rotated secrets reaching the pods, the namespace's Pod Security level, quota and limits, no
 * service links, and an outbox send that ends inside the shutdown.
 */
class ManifestOperationsTest {

    private static final ApplicationProperties APP = ApplicationProperties.load();

    static Stream<ManifestApplicationConsistencyTest.Rendered> rendered() {
        return Stream.of("overlays/local", "overlays/production").map(Kustomize.DEPLOY::resolve).map(Manifests::render)
                .map(ManifestApplicationConsistencyTest.Rendered::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theMigrationJobRunsTheServicesImageAsTheMigratorAndOnlyMigrates(ManifestApplicationConsistencyTest.Rendered rendered) {
        Job job = rendered.typed("Job", Job.class);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        Container migrate = pod.getContainers().get(0);
        assertThat(migrate.getImage()).as("the same release as the rollout").isEqualTo(rendered.container().getImage());
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        Map<String, String> literals = new HashMap<>();
        migrate.getEnv().stream().filter(env -> env.getValueFrom() == null).forEach(env -> literals.put(env.getName(), env.getValue()));
        assertThat(literals).containsAllEntriesOf(ServiceProcess.MIGRATION_JOB);
        assertThat(rendered.container().getEnv()).noneMatch(env -> ServiceProcess.MIGRATION_JOB.containsKey(env.getName()));
        // In production the service validates, never migrates (application.properties' %prod lines); a start that
        // migrates, as the Job's, does not validate first.
        assertThat(APP.value("quarkus.flyway.migrate-at-start", "")).isEqualTo("${DB_MIGRATE_AT_START:false}");
        assertThat(APP.value("quarkus.flyway.validate-at-start", ""))
                .isEqualTo("${database-start.validate-when-migrating-is.${DB_MIGRATE_AT_START:false}}");
        assertThat(APP.value("database-start.validate-when-migrating-is.false", "")).isEqualTo("${DB_VALIDATE_AT_START:true}");
        assertThat(APP.value("database-start.validate-when-migrating-is.true", "")).isEqualTo("false");

        // The jar checks all its settings at start-up, init-and-exit too: the Job reads the service's Secrets,
        // except that it connects as the migrator and never talks to Kafka.
        Map<String, String> secrets = migrate.getEnv().stream().filter(env -> env.getValueFrom() != null)
                .collect(Collectors.toMap(env -> env.getName(), env -> env.getValueFrom().getSecretKeyRef().getName()
                        + "/" + env.getValueFrom().getSecretKeyRef().getKey()));
        Map<String, String> service = new HashMap<>();
        rendered.variableSources().forEach((name, source) -> {
            if (source.startsWith("secret ")) {
                service.put(name, source.substring("secret ".length()));
            }
        });
        service.remove("KAFKA_SASL_JAAS_CONFIG");
        service.put("QUARKUS_DATASOURCE_USERNAME", "finch-connect-db-migrator/username");
        service.put("QUARKUS_DATASOURCE_PASSWORD", "finch-connect-db-migrator/password");
        assertThat(secrets).isEqualTo(service);
        assertThat(migrate.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(pod.getEnableServiceLinks()).isFalse();

        // Applied first on its own, with everything it reads (deploy/README.md, "Releasing").
        assertThat(phase(rendered, "Job", job.getMetadata().getName())).isTrue();
        assertThat(phase(rendered, "ConfigMap", migrate.getEnvFrom().get(0).getConfigMapRef().getName())).isTrue();
        assertThat(phase(rendered, "ServiceAccount", pod.getServiceAccountName())).isTrue();
        assertThat(rendered.manifests().ofKind("NetworkPolicy").filter(p -> p.path("spec").path("podSelector").path("matchLabels")
                .path("app.kubernetes.io/name").asText().equals(job.getSpec().getTemplate().getMetadata().getLabels()
                        .get("app.kubernetes.io/name"))))
                .singleElement().satisfies(policy -> assertThat(policy.path("metadata").path("labels")
                        .path("finch-connect.io/phase").asText()).isEqualTo("migrate"));
        rendered.manifests().ofKind("ExternalSecret").filter(es -> pod.getVolumes().stream()
                .anyMatch(v -> v.getSecret() != null && v.getSecret().getSecretName()
                        .equals(es.path("spec").path("target").path("name").asText())))
                .forEach(es -> assertThat(es.path("metadata").path("labels").path("finch-connect.io/phase").asText())
                        .as("ExternalSecret " + es.path("metadata").path("name").asText()).isEqualTo("migrate"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void everySecretThePodReadsRollsTheDeploymentWhenItChanges(ManifestApplicationConsistencyTest.Rendered rendered) {
        Set<String> secrets = new TreeSet<>();
        rendered.container().getEnv().stream().filter(env -> env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null)
                .forEach(env -> secrets.add(env.getValueFrom().getSecretKeyRef().getName()));
        Set<String> configMaps = new TreeSet<>();
        for (Volume volume : rendered.pod().getVolumes()) {
            if (volume.getSecret() != null) {
                secrets.add(volume.getSecret().getSecretName());
            }
            if (volume.getConfigMap() != null) {
                configMaps.add(volume.getConfigMap().getName());
            }
        }
        Map<String, String> annotations = rendered.deployment().getMetadata().getAnnotations();
        assertThat(split(annotations.get("secret.reloader.stakater.com/reload"))).isEqualTo(secrets);
        assertThat(split(annotations.get("configmap.reloader.stakater.com/reload"))).isEqualTo(configMaps);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theNamespaceEnforcesPodSecurityRestricted(ManifestApplicationConsistencyTest.Rendered rendered) {
        JsonNode namespace = rendered.manifests().single("Namespace");
        assertThat(namespace.path("metadata").path("name").asText()).isEqualTo(rendered.deployment().getMetadata().getNamespace());
        JsonNode labels = namespace.path("metadata").path("labels");
        assertThat(labels.path("pod-security.kubernetes.io/enforce").asText()).isEqualTo("restricted");
        assertThat(labels.path("pod-security.kubernetes.io/warn").asText()).isEqualTo("restricted");
        assertThat(labels.path("pod-security.kubernetes.io/audit").asText()).isEqualTo("restricted");
        assertThat(rendered.pod().getEnableServiceLinks()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theQuotaHoldsTheAutoscalersMaximumPlusSurgePlusTheJobAndTheLimitRangeAdmitsThem(
            ManifestApplicationConsistencyTest.Rendered rendered) {
        HorizontalPodAutoscaler hpa = rendered.typed("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
        int surge = rendered.deployment().getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal();
        int pods = hpa.getSpec().getMaxReplicas() + surge;
        Container service = rendered.container();
        Container job = rendered.typed("Job", Job.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        ResourceQuota quota = rendered.typed("ResourceQuota", ResourceQuota.class);
        Map<String, Quantity> hard = quota.getSpec().getHard();
        assertThat(Integer.parseInt(hard.get("pods").getAmount())).isGreaterThanOrEqualTo(pods + 1);
        for (String resource : new String[] { "requests.cpu", "requests.memory", "limits.cpu", "limits.memory" }) {
            String[] parts = resource.split("\\.");
            Map<String, Quantity> serviceSide = "requests".equals(parts[0]) ? service.getResources().getRequests()
                    : service.getResources().getLimits();
            Map<String, Quantity> jobSide = "requests".equals(parts[0]) ? job.getResources().getRequests()
                    : job.getResources().getLimits();
            BigDecimal needed = Quantity.getAmountInBytes(serviceSide.get(parts[1])).multiply(BigDecimal.valueOf(pods))
                    .add(Quantity.getAmountInBytes(jobSide.get(parts[1])));
            assertThat(Quantity.getAmountInBytes(hard.get(resource))).as(rendered + ": quota " + resource)
                    .isGreaterThanOrEqualTo(needed);
        }
        LimitRange limits = rendered.typed("LimitRange", LimitRange.class);
        LimitRangeItem container = limits.getSpec().getLimits().stream().filter(l -> "Container".equals(l.getType()))
                .findFirst().orElseThrow();
        for (Container c : new Container[] { service, job }) {
            for (Map.Entry<String, Quantity> limit : c.getResources().getLimits().entrySet()) {
                assertThat(Quantity.getAmountInBytes(limit.getValue()))
                        .isLessThanOrEqualTo(Quantity.getAmountInBytes(container.getMax().get(limit.getKey())));
            }
        }
        assertThat(container.getDefault()).containsKeys("cpu", "memory");
        assertThat(container.getDefaultRequest()).containsKeys("cpu", "memory");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theOutboxSendTimeoutEndsInsideTheRelaysShareOfTheShutdown(ManifestApplicationConsistencyTest.Rendered rendered)
            throws Exception {
        Map<String, String> config = rendered.configured();
        ApplicationProperties.Variable send = ApplicationProperties.variable(APP.value("outbox.send-timeout", "")).orElseThrow();
        ApplicationProperties.Variable shutdown = ApplicationProperties.variable(APP.value("quarkus.shutdown.timeout", ""))
                .orElseThrow();
        Duration sendTimeout = ManifestApplicationConsistencyTest.duration(config.getOrDefault(send.name(), send.defaultValue()));
        Duration shutdownTimeout = ManifestApplicationConsistencyTest.duration(
                config.getOrDefault(shutdown.name(), shutdown.defaultValue()));
        // OutboxRelayLifecycle gives the relay's last batch half of the shutdown timeout.
        String lifecycle = Files.readString(java.nio.file.Path.of("src/main/java/io/finchconnect/outbox/OutboxRelayLifecycle.java"));
        assertThat(lifecycle).contains("stopRelay(shutdownTimeout.dividedBy(2))");
        assertThat(sendTimeout).as(rendered + ": OUTBOX_SEND_TIMEOUT within SHUTDOWN_TIMEOUT / 2")
                .isLessThanOrEqualTo(shutdownTimeout.dividedBy(2));
    }

    @Test
    void theReleaseProcessPinsTheImageByDigest() throws Exception {
        String readme = Files.readString(Kustomize.DEPLOY.resolve("README.md"));
        assertThat(readme).contains("kustomize edit set image finch-connect-service=")
                .containsPattern("@sha256:");
        String production = Files.readString(Kustomize.DEPLOY.resolve("overlays/production/kustomization.yaml"));
        assertThat(production).contains("kustomize edit set image finch-connect-service=");
        ManifestApplicationConsistencyTest.Rendered rendered = new ManifestApplicationConsistencyTest.Rendered(
                Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")));
        Job job = rendered.typed("Job", Job.class);
        for (String image : List.of(rendered.container().getImage(), job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())) {
            assertThat(image).as("by digest, never by tag").matches("[^:@]+(:\\d+)?/[^:@]+@sha256:[0-9a-f]{64}");
        }
    }

    @Test
    void productionSpreadsAcrossZonesAsARule() {
        ManifestApplicationConsistencyTest.Rendered production = new ManifestApplicationConsistencyTest.Rendered(
                Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")));
        TopologySpreadConstraint zones = production.pod().getTopologySpreadConstraints().stream()
                .filter(c -> "topology.kubernetes.io/zone".equals(c.getTopologyKey())).findFirst().orElseThrow();
        assertThat(zones.getWhenUnsatisfiable()).isEqualTo("DoNotSchedule");
        assertThat(zones.getMaxSkew()).isEqualTo(1);
        // With fewer zones than replicas the pods share the zones there are; minDomains would leave pods Pending.
        assertThat(zones.getMinDomains()).isNull();
        for (TopologySpreadConstraint constraint : production.pod().getTopologySpreadConstraints()) {
            production.podLabelsSelectedBy(constraint.getLabelSelector().getMatchLabels());
            assertThat(constraint.getMatchLabelKeys()).as("each ReplicaSet of a rollout spread on its own")
                    .containsExactly("pod-template-hash");
            assertThat(constraint.getNodeTaintsPolicy()).as("a zone of tainted nodes does not hold pods back")
                    .isEqualTo("Honor");
        }
        ManifestApplicationConsistencyTest.Rendered local = new ManifestApplicationConsistencyTest.Rendered(
                Manifests.render(Kustomize.DEPLOY.resolve("overlays/local")));
        assertThat(local.pod().getTopologySpreadConstraints()).as("a laptop has one zone and one node")
                .allSatisfy(c -> assertThat(c.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway"));
    }

    /** The local overlay's Kafka and PostgreSQL pods run in the same restricted namespace as the service. */
    @Test
    void theLocalOperatorsPodsMeetRestrictedPodSecurity() {
        Manifests local = Manifests.render(Kustomize.DEPLOY.resolve("overlays/local"));
        JsonNode pool = local.single("KafkaNodePool").at("/spec/template");
        JsonNode entityOperator = local.single("Kafka").at("/spec/entityOperator/template");
        JsonNode database = local.single("Cluster").path("spec");
        for (JsonNode pod : List.of(pool.at("/pod/securityContext"), entityOperator.at("/pod/securityContext"),
                database.path("podSecurityContext"))) {
            assertThat(pod.path("runAsNonRoot").asBoolean()).as(pod.toString()).isTrue();
            assertThat(pod.at("/seccompProfile/type").asText()).as(pod.toString()).isEqualTo("RuntimeDefault");
        }
        for (JsonNode container : List.of(pool.at("/kafkaContainer/securityContext"),
                entityOperator.at("/topicOperatorContainer/securityContext"),
                entityOperator.at("/userOperatorContainer/securityContext"), database.path("securityContext"))) {
            assertThat(container.path("allowPrivilegeEscalation").isBoolean()).as(container.toString()).isTrue();
            assertThat(container.path("allowPrivilegeEscalation").asBoolean()).isFalse();
            assertThat(container.path("runAsNonRoot").asBoolean()).as(container.toString()).isTrue();
            assertThat(container.at("/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
            assertThat(container.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        }
    }

    private static boolean phase(ManifestApplicationConsistencyTest.Rendered rendered, String kind, String name) {
        return rendered.manifests().ofKind(kind).filter(o -> name.equals(o.path("metadata").path("name").asText()))
                .anyMatch(o -> "migrate".equals(o.path("metadata").path("labels").path("finch-connect.io/phase").asText()));
    }

    private static Set<String> split(String list) {
        assertThat(list).isNotNull();
        return Arrays.stream(list.split(",")).map(String::trim).collect(Collectors.toCollection(TreeSet::new));
    }
}
