package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rendered manifests agree with the application: its port, its health and metrics paths, every variable
 * it refuses to start without, its shutdown timeout; and secrets only ever come from Secrets.
 */
class ManifestApplicationConsistencyTest {

    private static final ApplicationProperties APP = ApplicationProperties.load();

    /** Variables that hold secrets, whatever their name says: they must never sit in a ConfigMap. */
    private static final Pattern SECRET_VARIABLE = Pattern.compile(
            ".*(SECRET|PASSWORD|KEYS).*|TOKEN_VAULT_.*|FINCH_CLIENT_.*|.*SASL_JAAS_CONFIG.*");

    static Stream<Rendered> rendered() {
        return Manifests.kustomizations().map(Manifests::render).map(Rendered::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theContainerListensOnTheApplicationsHttpPort(Rendered rendered) {
        ApplicationProperties.Variable port = ApplicationProperties.variable(APP.value("quarkus.http.port", "8080"))
                .orElseThrow();
        String configured = rendered.configured().getOrDefault(port.name(), port.defaultValue());
        ContainerPort http = rendered.container().getPorts().stream()
                .filter(p -> "http".equals(p.getName())).findFirst().orElseThrow();
        assertThat(http.getContainerPort()).isEqualTo(Integer.parseInt(configured)).isEqualTo(8080);

        assertThat(APP.managementEnabled()).as("health and metrics on the management interface").isTrue();
        ApplicationProperties.Variable managementPort = ApplicationProperties
                .variable(APP.value("quarkus.management.port", "9000")).orElseThrow();
        String configuredManagement = rendered.configured().getOrDefault(managementPort.name(), managementPort.defaultValue());
        ContainerPort management = rendered.container().getPorts().stream()
                .filter(p -> "management".equals(p.getName())).findFirst().orElseThrow();
        assertThat(management.getContainerPort()).isEqualTo(Integer.parseInt(configuredManagement))
                .isNotEqualTo(http.getContainerPort());

        Service service = rendered.typed("Service", Service.class);
        assertThat(service.getSpec().getSelector()).isEqualTo(rendered.podLabelsSelectedBy(service.getSpec().getSelector()));
        assertThat(service.getSpec().getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theProbesCallTheApplicationsHealthChecks(Rendered rendered) throws Exception {
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<artifactId>quarkus-smallrye-health</artifactId>");
        Container container = rendered.container();
        assertProbe(container.getLivenessProbe(), APP.healthPath("live"));
        assertProbe(container.getReadinessProbe(), APP.healthPath("ready"));
        assertThat(container.getStartupProbe()).isNotNull();
        assertThat(container.getStartupProbe().getHttpGet().getPath())
                .isIn(APP.healthPath("started"), APP.healthPath("live"));
        assertThat(container.getStartupProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");
    }

    private static void assertProbe(Probe probe, String path) {
        assertThat(probe).as(path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        // The API port does not serve /q/health (management interface): a probe there would always fail.
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void everyRequiredVariableIsSetFromTheConfigMapOrASecret(Rendered rendered) {
        List<String> required = APP.requiredEnvironment();
        assertThat(required).as("application.properties' %prod.required-environment lines").isNotEmpty();
        Map<String, String> sources = rendered.variableSources();
        for (String variable : required) {
            assertThat(sources).as(rendered + ": where " + variable + " comes from").containsKey(variable);
            if (SECRET_VARIABLE.matcher(variable).matches()) {
                assertThat(sources.get(variable)).as(rendered + ": " + variable).startsWith("secret ");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void noSecretIsInAConfigMapOrInTheDeployment(Rendered rendered) {
        rendered.manifests().ofKind("ConfigMap").forEach(configMap -> {
            configMap.path("data").fieldNames().forEachRemaining(key -> assertThat(SECRET_VARIABLE.matcher(key).matches())
                    .as(rendered + ": " + key + " in ConfigMap " + configMap.path("metadata").path("name").asText())
                    .isFalse());
        });
        for (EnvVar env : rendered.container().getEnv()) {
            if (SECRET_VARIABLE.matcher(env.getName()).matches()) {
                assertThat(env.getValueFrom()).as(rendered + ": " + env.getName() + " inline").isNotNull();
                assertThat(env.getValueFrom().getSecretKeyRef()).as(rendered + ": " + env.getName()).isNotNull();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theGracePeriodCoversTheShutdownDelayAndTimeoutAndThePreStopPause(Rendered rendered) {
        ApplicationProperties.Variable timeout = ApplicationProperties
                .variable(APP.value("quarkus.shutdown.timeout", "${SHUTDOWN_TIMEOUT:25s}")).orElseThrow();
        ApplicationProperties.Variable delay = ApplicationProperties
                .variable(APP.value("quarkus.shutdown.delay", "${SHUTDOWN_DELAY:5s}")).orElseThrow();
        Duration shutdown = duration(rendered.configured().getOrDefault(timeout.name(), timeout.defaultValue()))
                .plus(duration(rendered.configured().getOrDefault(delay.name(), delay.defaultValue())));
        List<String> preStop = rendered.container().getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop.get(0)).isEqualTo("sleep");
        long pause = Long.parseLong(preStop.get(1));
        assertThat(rendered.pod().getTerminationGracePeriodSeconds()).isGreaterThan(shutdown.toSeconds() + pause);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void thePodRunsLockedDown(Rendered rendered) {
        PodSpec pod = rendered.pod();
        Container container = rendered.container();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(185L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        String tmpVolume = container.getVolumeMounts().stream().filter(m -> "/tmp".equals(m.getMountPath()))
                .findFirst().orElseThrow().getName();
        assertThat(pod.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo(tmpVolume);
            assertThat(v.getEmptyDir()).isNotNull();
        });
        assertThat(pod.getTopologySpreadConstraints()).isNotEmpty();
        assertThat(pod.getServiceAccountName()).isEqualTo(rendered.manifests().single("ServiceAccount")
                .path("metadata").path("name").asText());
        Map<String, Quantity> requests = container.getResources().getRequests();
        Map<String, Quantity> limits = container.getResources().getLimits();
        assertThat(requests).containsKeys("cpu", "memory");
        assertThat(limits).containsKeys("cpu", "memory");
        assertThat(rendered.configured().get("JAVA_OPTS_APPEND")).contains("-XX:MaxRAMPercentage=");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theAutoscalerOwnsTheReplicaCountAndKeepsTwoAtLeast(Rendered rendered) {
        Deployment deployment = rendered.deployment();
        HorizontalPodAutoscaler hpa = rendered.typed("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.getSpec().getMetrics()).anySatisfy(m -> assertThat(m.getResource().getName()).isEqualTo("cpu"));
        // The autoscaler owns the replica count; a fixed one would be reset to on every apply.
        assertThat(deployment.getSpec().getReplicas()).isNull();

        // The PodDisruptionBudget and the autoscaler's policies: ManifestCapacityTest.
    }

    @Test
    void theServiceMonitorScrapesTheMetricsPathOnTheManagementPort() {
        Rendered production = new Rendered(Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")));
        JsonNode endpoint = production.manifests().single("ServiceMonitor").path("spec").path("endpoints").get(0);
        assertThat(endpoint.path("port").asText()).isEqualTo("management");
        assertThat(production.typed("Service", Service.class).getSpec().getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("management");
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("management");
        });
        assertThat(endpoint.path("path").asText())
                .isEqualTo(APP.value("quarkus.micrometer.export.prometheus.path", "/q/metrics"));
        JsonNode selector = production.manifests().single("ServiceMonitor").path("spec").path("selector").path("matchLabels");
        Service service = production.typed("Service", Service.class);
        selector.fields().forEachRemaining(label -> assertThat(service.getMetadata().getLabels())
                .containsEntry(label.getKey(), label.getValue().asText()));
    }

    @Test
    void theImageRunsAsTheUserTheManifestsRequireAndExposesTheHttpPort() throws Exception {
        String dockerfile = Files.readString(Path.of("src/main/docker/Dockerfile.jvm"));
        assertThat(dockerfile).containsPattern("(?m)^USER 185$").containsPattern("(?m)^EXPOSE 8080$")
                .contains("target/quarkus-app/");
    }

    @Test
    void theReadmeSaysHowToCreateEverySecretTheDeploymentReads() throws Exception {
        String readme = Files.readString(Kustomize.DEPLOY.resolve("README.md"));
        Rendered production = new Rendered(Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")));
        // Secrets that the overlay's ExternalSecrets or Strimzi's KafkaUser create are not created by hand.
        Set<String> generated = Stream.concat(
                production.manifests().ofKind("ExternalSecret").map(es -> es.path("spec").path("target").path("name").asText()),
                production.manifests().ofKind("KafkaUser").map(user -> user.path("metadata").path("name").asText()))
                .collect(Collectors.toSet());
        List<EnvVar> env = new java.util.ArrayList<>(production.container().getEnv());
        production.manifests().ofKind("Job").map(job -> (io.fabric8.kubernetes.api.model.batch.v1.Job) StrictKubernetesModel
                .readStrictly(job)).forEach(job -> env.addAll(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()));
        Map<String, Set<String>> secrets = env.stream()
                .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .map(e -> e.getValueFrom().getSecretKeyRef())
                .filter(ref -> !generated.contains(ref.getName()))
                .collect(Collectors.groupingBy(SecretKeySelector::getName, TreeMap::new,
                        Collectors.mapping(SecretKeySelector::getKey, Collectors.toSet())));
        assertThat(secrets).isNotEmpty().containsKey("finch-connect-db-migrator");
        assertThat(generated).contains("finch-connect-service");
        secrets.forEach((name, keys) -> {
            assertThat(readme).as("README creates Secret " + name).contains("create secret generic " + name);
            keys.forEach(key -> assertThat(readme).as("README sets " + key + " of " + name).containsPattern(
                    Pattern.quote("create secret generic " + name) + "[^\\n]*(\\\\\\n[^\\n]*)*--from-(literal|file)="
                            + Pattern.quote(key) + "="));
        });
    }

    static Duration duration(String value) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value);
        if (!m.matches()) {
            return Duration.parse(value);
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** One rendered kustomization, with the service's Deployment read into the typed model. */
    record Rendered(Manifests manifests) {

        Deployment deployment() {
            return typed("Deployment", Deployment.class);
        }

        PodSpec pod() {
            return deployment().getSpec().getTemplate().getSpec();
        }

        Container container() {
            List<Container> containers = pod().getContainers();
            assertThat(containers).hasSize(1);
            return containers.get(0);
        }

        <T> T typed(String kind, Class<T> type) {
            return type.cast(StrictKubernetesModel.readStrictly(manifests.single(kind)));
        }

        /** Each variable the container gets, mapped to where it comes from ("secret NAME/KEY", "configmap NAME", "value"). */
        Map<String, String> variableSources() {
            Map<String, String> sources = new HashMap<>();
            for (EnvFromSource from : container().getEnvFrom()) {
                assertThat(from.getConfigMapRef()).as("envFrom takes ConfigMaps only").isNotNull();
                String name = from.getConfigMapRef().getName();
                configMap(name).getData().keySet().forEach(key -> sources.put(key, "configmap " + name));
            }
            for (EnvVar env : container().getEnv()) {
                if (env.getValueFrom() == null) {
                    sources.put(env.getName(), "value");
                } else if (env.getValueFrom().getSecretKeyRef() != null) {
                    SecretKeySelector ref = env.getValueFrom().getSecretKeyRef();
                    sources.put(env.getName(), "secret " + ref.getName() + "/" + ref.getKey());
                } else if (env.getValueFrom().getConfigMapKeyRef() != null) {
                    String name = env.getValueFrom().getConfigMapKeyRef().getName();
                    assertThat(configMap(name).getData()).containsKey(env.getValueFrom().getConfigMapKeyRef().getKey());
                    sources.put(env.getName(), "configmap " + name);
                }
            }
            return sources;
        }

        /** The plain values the container sees: its ConfigMaps' entries and its literal env values. */
        Map<String, String> configured() {
            Map<String, String> values = new HashMap<>();
            for (EnvFromSource from : container().getEnvFrom()) {
                values.putAll(configMap(from.getConfigMapRef().getName()).getData());
            }
            container().getEnv().stream().filter(env -> env.getValueFrom() == null)
                    .forEach(env -> values.put(env.getName(), env.getValue()));
            return values;
        }

        ConfigMap configMap(String name) {
            return manifests.ofKind("ConfigMap")
                    .filter(object -> name.equals(object.path("metadata").path("name").asText()))
                    .map(object -> (ConfigMap) StrictKubernetesModel.readStrictly(object))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(manifests + ": no ConfigMap " + name));
        }

        /** The given selector, asserted to match the Deployment's pod labels. */
        Map<String, String> podLabelsSelectedBy(Map<String, String> selector) {
            Map<String, String> labels = deployment().getSpec().getTemplate().getMetadata().getLabels();
            selector.forEach((key, value) -> assertThat(labels).containsEntry(key, value));
            return selector;
        }

        @Override
        public String toString() {
            return manifests.source();
        }
    }
}
