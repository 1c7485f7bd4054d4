package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NetworkPolicies say who: every rule names its peers (never "anyone" on a port), the management port is
 * reachable from Prometheus only, and the service reaches exactly its dependencies: the cluster DNS, the
 * pods of the PostgreSQL and Kafka clusters it is configured with, the OTLP collector, and HTTPS to public
 * addresses only.
 */
class ManifestNetworkPolicyTest {

    private static final ApplicationProperties APP = ApplicationProperties.load();

    /** Ranges that are never "the internet": private, shared (CGNAT), loopback, link-local (cloud metadata). */
    private static final List<String> NOT_PUBLIC_V4 = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
            "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16");
    private static final List<String> NOT_PUBLIC_V6 = List.of("fc00::/7", "fe80::/10", "::1/128");

    static Stream<ManifestApplicationConsistencyTest.Rendered> rendered() {
        return Stream.of("overlays/local", "overlays/production").map(Kustomize.DEPLOY::resolve).map(Manifests::render)
                .map(ManifestApplicationConsistencyTest.Rendered::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void noRuleIsWithoutPeersAndPorts(ManifestApplicationConsistencyTest.Rendered rendered) {
        List<NetworkPolicy> policies = policiesOfThePod(rendered);
        assertThat(policies).anySatisfy(p -> assertThat(p.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress"));
        for (NetworkPolicy policy : policies) {
            String name = policy.getMetadata().getName();
            for (NetworkPolicyIngressRule rule : list(policy.getSpec().getIngress())) {
                assertThat(rule.getFrom()).as(name + ": an ingress rule without from admits every source").isNotEmpty();
                assertThat(rule.getPorts()).as(name + ": an ingress rule without ports opens every port").isNotEmpty();
                rule.getFrom().forEach(peer -> assertNamed(name, peer));
            }
            for (NetworkPolicyEgressRule rule : list(policy.getSpec().getEgress())) {
                assertThat(rule.getTo()).as(name + ": an egress rule without a destination reaches everything").isNotEmpty();
                assertThat(rule.getPorts()).as(name + ": an egress rule without ports opens every port").isNotEmpty();
                for (NetworkPolicyPeer peer : rule.getTo()) {
                    if (peer.getIpBlock() != null) {
                        assertPublicOnly(name, peer.getIpBlock());
                        assertThat(rule.getPorts()).as(name + ": public addresses on HTTPS only")
                                .allSatisfy(port -> assertThat(describe(port)).isEqualTo("TCP/443"));
                    } else {
                        assertNamed(name, peer);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void theManagementPortIsReachableFromPrometheusOnlyAndTheApiPortFromNamedNamespaces(
            ManifestApplicationConsistencyTest.Rendered rendered) {
        Set<String> managementPeers = new HashSet<>();
        Set<String> apiPeers = new HashSet<>();
        for (NetworkPolicy policy : policiesOfThePod(rendered)) {
            for (NetworkPolicyIngressRule rule : list(policy.getSpec().getIngress())) {
                for (NetworkPolicyPort port : rule.getPorts()) {
                    assertThat(port.getPort().getStrVal()).isIn("http", "management");
                    rule.getFrom().forEach(peer -> ("management".equals(port.getPort().getStrVal()) ? managementPeers : apiPeers)
                            .add(labels(peer.getNamespaceSelector()) + " " + labels(peer.getPodSelector())));
                }
            }
        }
        assertThat(managementPeers).singleElement().satisfies(peer -> assertThat(peer)
                .contains("kubernetes.io/metadata.name=monitoring").contains("app.kubernetes.io/name=prometheus"));
        assertThat(apiPeers).anySatisfy(peer -> assertThat(peer).contains("finch-connect.io/api-caller=true"));
        if (!rendered.manifests().ofKind("HTTPRoute").toList().isEmpty()) {
            // The Gateway's namespace by a label it carries, never by a name this repository would have to guess.
            NetworkPolicy fromGateway = policiesOfThePod(rendered).stream()
                    .filter(p -> p.getMetadata().getName().equals("finch-connect-service-from-gateway")).findFirst().orElseThrow();
            assertThat(fromGateway.getSpec().getIngress()).singleElement().satisfies(rule -> assertThat(rule.getFrom())
                    .singleElement().satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
                            .isEqualTo(Map.of("finch-connect.io/public-gateway", "true"))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendered")
    void egressReachesExactlyTheConfiguredDependencies(ManifestApplicationConsistencyTest.Rendered rendered) {
        Map<String, String> config = rendered.configured();
        String namespace = rendered.deployment().getMetadata().getNamespace();
        Set<String> egress = new HashSet<>();
        for (NetworkPolicy policy : policiesOfThePod(rendered)) {
            for (NetworkPolicyEgressRule rule : list(policy.getSpec().getEgress())) {
                for (NetworkPolicyPort port : rule.getPorts()) {
                    for (NetworkPolicyPeer peer : rule.getTo()) {
                        egress.add(describe(port) + " " + (peer.getIpBlock() != null ? "ipBlock " + peer.getIpBlock().getCidr()
                                : labels(peer.getNamespaceSelector()) + " " + labels(peer.getPodSelector())));
                    }
                }
            }
        }

        URI database = URI.create(config.get("QUARKUS_DATASOURCE_JDBC_URL").substring("jdbc:".length()));
        String[] dbHost = database.getHost().split("\\.");
        assertThat(dbHost[0]).as("CloudNativePG's read-write Service").endsWith("-rw");
        String dbCluster = dbHost[0].substring(0, dbHost[0].length() - "-rw".length());
        String dbNamespace = dbHost.length > 1 ? dbHost[1] : namespace;

        String bootstrap = config.get("KAFKA_BOOTSTRAP_SERVERS").split(",")[0];
        String[] kafkaHost = bootstrap.substring(0, bootstrap.lastIndexOf(':')).split("\\.");
        assertThat(kafkaHost[0]).as("Strimzi's bootstrap Service").endsWith("-kafka-bootstrap");
        String kafkaCluster = kafkaHost[0].substring(0, kafkaHost[0].length() - "-kafka-bootstrap".length());
        String kafkaNamespace = kafkaHost.length > 1 ? kafkaHost[1] : namespace;
        int kafkaPort = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));

        URI otlp = URI.create(config.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT",
                ApplicationProperties.variable(APP.value("quarkus.otel.exporter.otlp.endpoint", "")).orElseThrow().defaultValue()));

        assertThat(egress).containsExactlyInAnyOrder(
                "UDP/53 kubernetes.io/metadata.name=kube-system k8s-app=kube-dns",
                "TCP/53 kubernetes.io/metadata.name=kube-system k8s-app=kube-dns",
                "TCP/" + port(database, 5432) + " kubernetes.io/metadata.name=" + dbNamespace + " cnpg.io/cluster=" + dbCluster,
                "TCP/" + kafkaPort + " kubernetes.io/metadata.name=" + kafkaNamespace
                        + " strimzi.io/broker-role=true,strimzi.io/cluster=" + kafkaCluster,
                "TCP/" + otlp.getPort() + " kubernetes.io/metadata.name=observability app.kubernetes.io/name=opentelemetry-collector",
                "TCP/443 ipBlock 0.0.0.0/0",
                "TCP/443 ipBlock ::/0");
        if ("localhost".equals(otlp.getHost())) {
            // The collector address is the default (tracing off): an overlay that turns tracing on names the collector.
            assertThat(config.getOrDefault("OTEL_SDK_DISABLED", "true")).isEqualTo("true");
        } else {
            String[] otlpHost = otlp.getHost().split("\\.");
            assertThat(otlpHost.length > 1 ? otlpHost[1] : namespace).isEqualTo("observability");
        }
    }

    static List<NetworkPolicy> policiesOfThePod(ManifestApplicationConsistencyTest.Rendered rendered) {
        Map<String, String> podLabels = rendered.deployment().getSpec().getTemplate().getMetadata().getLabels();
        return rendered.manifests().ofKind("NetworkPolicy").map(StrictKubernetesModel::readStrictly)
                .map(NetworkPolicy.class::cast)
                .filter(policy -> podLabels.entrySet().containsAll(policy.getSpec().getPodSelector().getMatchLabels().entrySet()))
                .toList();
    }

    private static void assertNamed(String policy, NetworkPolicyPeer peer) {
        assertThat(peer.getIpBlock()).isNull();
        assertThat(peer.getNamespaceSelector()).as(policy + ": a peer without namespaceSelector is this namespace only; name it")
                .isNotNull();
        assertThat(peer.getNamespaceSelector().getMatchLabels()).as(policy + ": an empty namespaceSelector is every namespace")
                .isNotEmpty();
        assertThat(peer.getNamespaceSelector().getMatchExpressions()).isNullOrEmpty();
    }

    private static void assertPublicOnly(String policy, IPBlock block) {
        if (block.getCidr().contains(":")) {
            assertThat(block.getExcept()).as(policy + " " + block.getCidr()).containsAll(NOT_PUBLIC_V6);
        } else {
            assertThat(block.getExcept()).as(policy + " " + block.getCidr()).containsAll(NOT_PUBLIC_V4);
        }
    }

    private static String labels(LabelSelector selector) {
        if (selector == null) {
            return "(none)";
        }
        assertThat(selector.getMatchExpressions()).isNullOrEmpty();
        return new java.util.TreeMap<>(selector.getMatchLabels()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(","));
    }

    private static String describe(NetworkPolicyPort port) {
        return port.getProtocol() + "/" + port.getPort().getIntVal();
    }

    private static int port(URI uri, int defaultPort) {
        return uri.getPort() > 0 ? uri.getPort() : defaultPort;
    }

    private static <T> List<T> list(List<T> values) {
        return values == null ? List.of() : values;
    }
}
