package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Capacity arithmetic, recomputed from the rendered manifests and the application's pool settings: at the
 * autoscaler's maximum, during a rollout (its surge pod) and with the migration Job running, the service's
 * PostgreSQL connections fit the server's max_connections with room for the platform; disruptions take one
 * pod at a time; the autoscaler also scales on requests in flight, and scales down on explicit policies.
 */
class ManifestCapacityTest {

    private static final Logger LOG = Logger.getLogger(ManifestCapacityTest.class);
    private static final ApplicationProperties APP = ApplicationProperties.load();

    /** Connections kept free for the platform: superuser_reserved_connections (3), CloudNativePG's instance
     * manager and metrics exporter, a DBA's session. */
    static final int PLATFORM_RESERVE = 10;

    static Stream<ManifestApplicationConsistencyTest.Rendered> rendered() {
        return Stream.of("overlays/local", "overlays/production").map(Kustomize.DEPLOY::resolve).map(Manifests::render)
                .map(ManifestApplicationConsistencyTest.Rendered::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theDatabaseConnectionBudgetHoldsAtMaxReplicasPlusSurgePlusTheMigrationJob(
            ManifestApplicationConsistencyTest.Rendered rendered) {
        Deployment deployment = rendered.deployment();
        HorizontalPodAutoscaler hpa = rendered.typed("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
        int surge = deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal();
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        int jobs = (int) rendered.manifests().ofKind("Job").count();
        int pods = hpa.getSpec().getMaxReplicas() + surge;

        ApplicationProperties.Variable pool = ApplicationProperties.variable(APP.value("quarkus.datasource.reactive.max-size", ""))
                .orElseThrow();
        int reactive = Integer.parseInt(rendered.configured().getOrDefault(pool.name(), pool.defaultValue()));
        int jdbc = Integer.parseInt(APP.value("quarkus.datasource.jdbc.max-size", "20"));
        // The outbox relay borrows its LISTEN connection from the reactive pool: no connection of its own.
        int perPod = reactive + jdbc;
        // The migration Job runs the same jar: counted like a pod, though it only opens Flyway's connections.
        int needed = (pods + jobs) * perPod + PLATFORM_RESERVE;

        int maxConnections = maxConnections(rendered);
        LOG.infof("%s: (%d replicas + %d surge + %d job) x (%d pool + %d jdbc) + %d reserved = %d of %d",
                rendered, hpa.getSpec().getMaxReplicas(), surge, jobs, reactive, jdbc, PLATFORM_RESERVE, needed,
                maxConnections);
        assertThat(needed).as(rendered + ": PostgreSQL connections needed at the peak").isLessThanOrEqualTo(maxConnections);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void disruptionsTakeOnePodAtATimeAndNeverWaitForAnUnhealthyOne(ManifestApplicationConsistencyTest.Rendered rendered) {
        PodDisruptionBudget pdb = rendered.typed("PodDisruptionBudget", PodDisruptionBudget.class);
        assertThat(pdb.getSpec().getMinAvailable()).as("minAvailable: 1 lets a drain take all but one pod").isNull();
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");
        assertThat(rendered.podLabelsSelectedBy(pdb.getSpec().getSelector().getMatchLabels()))
                .isEqualTo(pdb.getSpec().getSelector().getMatchLabels());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theAutoscalerScalesOnCpuWhereNothingElseIsServedAndDownByExplicitPolicies(
            ManifestApplicationConsistencyTest.Rendered rendered) throws Exception {
        HorizontalPodAutoscaler hpa = rendered.typed("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMetrics()).anySatisfy(m -> assertThat(m.getResource().getName()).isEqualTo("cpu"));
        // A metric nobody serves keeps the autoscaler from ever scaling down: beyond CPU (metrics-server), a metric
        // only where the overlay brings the component that says who serves it.
        String kustomization = java.nio.file.Files.readString(java.nio.file.Path.of(rendered.toString(), "kustomization.yaml"));
        if (!kustomization.contains("../../components/autoscaling-prometheus-adapter")) {
            assertThat(hpa.getSpec().getMetrics()).as(rendered + ": CPU only").allSatisfy(m -> assertThat(m.getType())
                    .isEqualTo("Resource"));
        }
        HPAScalingRules down = hpa.getSpec().getBehavior().getScaleDown();
        assertThat(down.getStabilizationWindowSeconds()).isGreaterThanOrEqualTo(300);
        assertThat(down.getPolicies()).isNotEmpty();
        assertThat(down.getSelectPolicy()).as("the slowest policy wins going down").isEqualTo("Min");
        assertThat(down.getPolicies()).filteredOn(p -> "Pods".equals(p.getType()))
                .allSatisfy(p -> assertThat(p.getValue()).isEqualTo(1));
        assertThat(hpa.getSpec().getBehavior().getScaleUp().getPolicies()).isNotEmpty();
    }

    @org.junit.jupiter.api.Test
    void productionAlsoScalesOnRequestsInFlight() {
        ManifestApplicationConsistencyTest.Rendered production = new ManifestApplicationConsistencyTest.Rendered(
                Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")));
        HorizontalPodAutoscaler hpa = production.typed("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
        MetricSpec inFlight = hpa.getSpec().getMetrics().stream().filter(m -> "Pods".equals(m.getType())).findFirst()
                .orElseThrow(() -> new AssertionError("production: no per-pod metric"));
        // The gauge Quarkus exports (ProductionConfigurationIT sees it at /q/metrics on the management port).
        assertThat(inFlight.getPods().getMetric().getName()).isEqualTo("http_server_active_requests");
        assertThat(inFlight.getPods().getTarget().getType()).isEqualTo("AverageValue");
        int target = inFlight.getPods().getTarget().getAverageValue().getNumericalAmount().intValueExact();
        assertThat(target).as("scale out before the calls to Finch queue for a connection").isPositive()
                .isLessThan(finchConnections(production));
    }

    /**
     * components/autoscaling-keda replaces the autoscaler with the same bounds (so the connection budget holds), the
     * same policies and CPU, plus requests in flight and the outbox backlog while it is being published.
     */
    @org.junit.jupiter.api.Test
    void kedaReplacesTheAutoscalerWithTheSameBoundsAndFollowsTheOutboxBacklog() {
        ManifestApplicationConsistencyTest.Rendered production = new ManifestApplicationConsistencyTest.Rendered(
                Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")));
        HorizontalPodAutoscaler hpa = production.typed("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
        Manifests keda = Manifests.productionWith("components/autoscaling-keda");
        assertThat(keda.ofKind("HorizontalPodAutoscaler")).as("two autoscalers on one Deployment fight").isEmpty();
        JsonNode scaled = keda.single("ScaledObject").path("spec");
        assertThat(scaled.path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
        assertThat(scaled.path("scaleTargetRef").path("name").asText()).isEqualTo(production.deployment().getMetadata().getName());
        assertThat(scaled.path("minReplicaCount").asInt()).isEqualTo(hpa.getSpec().getMinReplicas());
        assertThat(scaled.path("maxReplicaCount").asInt()).as("the connection budget's maximum")
                .isEqualTo(hpa.getSpec().getMaxReplicas());
        assertThat(scaled.path("advanced").path("horizontalPodAutoscalerConfig").path("behavior"))
                .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(hpa.getSpec().getBehavior()));

        Map<String, JsonNode> triggers = new java.util.HashMap<>();
        scaled.path("triggers").forEach(t -> triggers.put(t.path("name").asText(t.path("type").asText()), t));
        assertThat(triggers).containsOnlyKeys("cpu", "requests-in-flight", "outbox-backlog");
        assertThat(triggers.get("cpu").path("metadata").path("value").asText()).isEqualTo("70");
        JsonNode inFlight = triggers.get("requests-in-flight");
        assertThat(inFlight.path("metadata").path("query").asText()).contains("http_server_active_requests");
        assertThat(inFlight.path("metadata").path("threshold").asInt()).isPositive().isLessThan(finchConnections(production));
        String backlog = triggers.get("outbox-backlog").path("metadata").path("query").asText();
        assertThat(backlog).as("every instance reports the table's figure").contains("max(outbox_pending{")
                .as("only while events are being published").contains("and on()").contains("outbox_published_total");
        for (JsonNode trigger : List.of(inFlight, triggers.get("outbox-backlog"))) {
            assertThat(trigger.path("metricType").asText()).isEqualTo("AverageValue");
            assertThat(trigger.path("metadata").path("query").asText())
                    .contains("namespace=\"" + production.deployment().getMetadata().getNamespace() + "\"")
                    .contains("job=\"" + production.manifests().single("Service").path("metadata").path("name").asText() + "\"");
        }
    }

    private static int finchConnections(ManifestApplicationConsistencyTest.Rendered rendered) {
        ApplicationProperties.Variable finchPool = ApplicationProperties
                .variable(APP.value("finch.connection-pool-size", "")).orElseThrow();
        return Integer.parseInt(rendered.configured().getOrDefault(finchPool.name(), finchPool.defaultValue()));
    }

    /** max_connections of the CloudNativePG Cluster the overlay brings, else of the platform's (annotated). */
    static int maxConnections(ManifestApplicationConsistencyTest.Rendered rendered) {
        JsonNode cluster = rendered.manifests().ofKind("Cluster").findFirst().orElse(null);
        Map<String, String> annotations = rendered.deployment().getMetadata().getAnnotations();
        String annotated = annotations == null ? null : annotations.get("finch-connect.io/postgres-max-connections");
        if (cluster != null) {
            int own = cluster.path("spec").path("postgresql").path("parameters").path("max_connections").asInt();
            assertThat(own).isPositive();
            if (annotated != null) {
                assertThat(Integer.parseInt(annotated)).isEqualTo(own);
            }
            return own;
        }
        assertThat(annotated).as(rendered + ": the platform database's max_connections (annotation)").isNotNull();
        return Integer.parseInt(annotated);
    }
}
