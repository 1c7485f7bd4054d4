package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The migrations complete before the Deployment changes, whatever applies the manifests (deploy/README.md,
 * "GitOps"): by hand, the objects labelled finch-connect.io/phase=migrate first; under Argo CD, the same objects
 * are PreSync hooks, the Job last among them and replaced per release, and nothing else is; under Flux, the
 * overlay is split by that label into two Kustomizations, the second depending on the first, which waits for the
 * Job.
 */
class ManifestOrderingTest {

    private static final String PHASE = "finch-connect.io/phase";
    private static final String HOOK = "argocd.argoproj.io/hook";
    private static final String WAVE = "argocd.argoproj.io/sync-wave";
    private static final String DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy";

    static Stream<ManifestApplicationConsistencyTest.Rendered> rendered() {
        return Stream.of("overlays/local", "overlays/production").map(Kustomize.DEPLOY::resolve).map(Manifests::render)
                .map(ManifestApplicationConsistencyTest.Rendered::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void argoCdRunsTheMigrationJobAsAPreSyncHookReplacedPerReleaseAndDeletedOnSuccess(
            ManifestApplicationConsistencyTest.Rendered rendered) {
        JsonNode job = rendered.manifests().single("Job");
        assertThat(annotation(job, HOOK)).as("the Job's Argo CD hook").isEqualTo("PreSync");
        assertThat(annotation(job, DELETE_POLICY)).as("the Job's hook delete policy").isNotNull();
        assertThat(Set.of(annotation(job, DELETE_POLICY).split(",")))
                .as("replaced per release (its pod template is immutable), deleted once it succeeded")
                .containsExactlyInAnyOrder("BeforeHookCreation", "HookSucceeded");
        assertThat(job.path("metadata").path("labels").path(PHASE).asText()).isEqualTo("migrate");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void whatTheJobReadsIsAnEarlierPreSyncHookAndTheDeploymentIsNoHook(ManifestApplicationConsistencyTest.Rendered rendered) {
        JsonNode jobObject = rendered.manifests().single("Job");
        int jobWave = wave(jobObject);
        Job job = rendered.typed("Job", Job.class);
        PodSpec pod = job.getSpec().getTemplate().getSpec();

        // What the Job's pod needs before it can start: its namespace, service account, ConfigMap, the policy that
        // lets it reach the database, and the Secrets an overlay syncs for it.
        Set<String> secrets = new HashSet<>();
        pod.getVolumes().stream().filter(v -> v.getSecret() != null).forEach(v -> secrets.add(v.getSecret().getSecretName()));
        pod.getContainers().get(0).getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .forEach(e -> secrets.add(e.getValueFrom().getSecretKeyRef().getName()));
        String jobPods = job.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/name");
        List<JsonNode> needed = rendered.manifests().objects().stream().filter(o -> switch (o.path("kind").asText()) {
            case "Namespace" -> true;
            case "ServiceAccount" -> name(o).equals(pod.getServiceAccountName());
            case "ConfigMap" -> name(o).equals(pod.getContainers().get(0).getEnvFrom().get(0).getConfigMapRef().getName());
            case "NetworkPolicy" -> jobPods.equals(o.path("spec").path("podSelector").path("matchLabels")
                    .path("app.kubernetes.io/name").asText());
            case "ExternalSecret" -> secrets.contains(o.path("spec").path("target").path("name").asText());
            default -> false;
        }).toList();
        assertThat(needed.stream().map(ManifestOrderingTest::describe)).contains("Namespace " + job.getMetadata().getNamespace(),
                "ServiceAccount " + pod.getServiceAccountName(), "NetworkPolicy finch-connect-migrate");
        for (JsonNode object : needed) {
            assertThat(annotation(object, HOOK)).as(describe(object) + " is there before the Job: a PreSync hook").isEqualTo("PreSync");
            assertThat(wave(object)).as(describe(object) + ": a wave before the Job's").isLessThan(jobWave);
            assertThat(annotation(object, DELETE_POLICY)).as(describe(object) + " stays for the Deployment").isNull();
            assertThat(object.path("metadata").path("labels").path(PHASE).asText())
                    .as(describe(object) + " is applied with the Job by hand too").isEqualTo("migrate");
        }

        // The PreSync hooks are exactly the migration phase of the kubectl path; everything else, the Deployment
        // first, is synced once they all succeeded.
        Set<String> hooks = rendered.manifests().objects().stream().filter(o -> annotation(o, HOOK) != null)
                .map(ManifestOrderingTest::describe).collect(Collectors.toCollection(TreeSet::new));
        Set<String> migratePhase = rendered.manifests().objects().stream()
                .filter(o -> "migrate".equals(o.path("metadata").path("labels").path(PHASE).asText()))
                .map(ManifestOrderingTest::describe).collect(Collectors.toCollection(TreeSet::new));
        assertThat(hooks).isEqualTo(migratePhase);
        JsonNode deployment = rendered.manifests().single("Deployment");
        assertThat(annotation(deployment, HOOK)).as("the Deployment is synced after the PreSync hooks").isNull();
        assertThat(deployment.path("metadata").path("labels").has(PHASE)).isFalse();
    }

    @Test
    void fluxSplitsTheProductionOverlayIntoTheMigrationsAndTheRestWithoutOverlapOrGap() {
        Set<String> production = identities(Manifests.render(Kustomize.DEPLOY.resolve("overlays/production")));
        Manifests migrate = Manifests.render(Kustomize.DEPLOY.resolve("flux/migrate"));
        Manifests service = Manifests.render(Kustomize.DEPLOY.resolve("flux/service"));
        Set<String> first = identities(migrate);
        Set<String> second = identities(service);
        assertThat(first).as("owned by both Kustomizations").doesNotContainAnyElementsOf(second);
        Set<String> union = new TreeSet<>(first);
        union.addAll(second);
        assertThat(union).isEqualTo(production);
        assertThat(migrate.ofKind("Job")).hasSize(1);
        assertThat(migrate.ofKind("Deployment")).isEmpty();
        assertThat(service.ofKind("Deployment")).hasSize(1);
        assertThat(service.ofKind("Job")).isEmpty();
    }

    @Test
    void fluxAppliesTheServiceOnlyAfterTheMigrationJobCompleted() throws Exception {
        Manifests example = Manifests.read(Kustomize.DEPLOY.resolve("examples/flux-kustomizations.yaml"));
        JsonNode migrate = kustomization(example, "./deploy/flux/migrate");
        JsonNode service = kustomization(example, "./deploy/flux/service");
        assertThat(migrate.path("spec").path("wait").asBoolean()).as("Ready only once the Job completed").isTrue();
        assertThat(migrate.path("spec").path("force").asBoolean()).as("the Job recreated when a release changes it").isTrue();
        assertThat(service.path("spec").path("dependsOn").findValuesAsText("name")).containsExactly(name(migrate));
        assertThat(service.path("spec").path("sourceRef")).isEqualTo(migrate.path("spec").path("sourceRef"));
        int activeDeadline = Manifests.render(Kustomize.DEPLOY.resolve("flux/migrate")).single("Job").path("spec")
                .path("activeDeadlineSeconds").asInt();
        assertThat(ManifestApplicationConsistencyTest.duration(migrate.path("spec").path("timeout").asText()).toSeconds())
                .as("the Kustomization waits as long as the Job may run").isGreaterThanOrEqualTo(activeDeadline);
        for (JsonNode kustomization : List.of(migrate, service)) {
            String path = kustomization.path("spec").path("path").asText().replaceFirst("^\\./", "");
            assertThat(Files.isRegularFile(java.nio.file.Path.of(path, "kustomization.yaml"))).as(path).isTrue();
        }
    }

    private static JsonNode kustomization(Manifests example, String path) {
        return example.ofKind("Kustomization").filter(k -> path.equals(k.path("spec").path("path").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no Flux Kustomization for " + path));
    }

    private static Set<String> identities(Manifests manifests) {
        List<String> all = manifests.objects().stream().map(o -> describe(o) + " in " + o.path("metadata").path("namespace").asText())
                .toList();
        assertThat(all).as(manifests.source()).doesNotHaveDuplicates();
        return new TreeSet<>(all);
    }

    private static String annotation(JsonNode object, String key) {
        JsonNode value = object.path("metadata").path("annotations").path(key);
        return value.isMissingNode() ? null : value.asText();
    }

    private static int wave(JsonNode object) {
        String wave = annotation(object, WAVE);
        return wave == null ? 0 : Integer.parseInt(wave);
    }

    private static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    private static String describe(JsonNode object) {
        return object.path("kind").asText() + " " + name(object);
    }
}
