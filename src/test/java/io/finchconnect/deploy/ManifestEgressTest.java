package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The way out to Finch: with components/egress-finch-cilium, HTTPS to Finch's API host only (and the DNS rule
 * that lets Cilium learn its addresses), no "any public address" rule left; without Cilium, an egress proxy the
 * Finch client is pointed at by FINCH_PROXY_ADDRESS.
 */
class ManifestEgressTest {

    private static final ApplicationProperties APP = ApplicationProperties.load();

    @Test
    void withCiliumTheServiceReachesFinchsApiHostOnlyOnHttps() {
        ManifestApplicationConsistencyTest.Rendered rendered = new ManifestApplicationConsistencyTest.Rendered(
                Manifests.productionWith("components/egress-finch-cilium"));
        String finchHost = URI.create(rendered.configured().get("FINCH_BASE_URL")).getHost();

        for (NetworkPolicy policy : ManifestNetworkPolicyTest.policiesOfThePod(rendered)) {
            policy.getSpec().getEgress().forEach(rule -> assertThat(rule.getTo()).as(policy.getMetadata().getName()
                    + ": public addresses would add up with the FQDN rule").allSatisfy(peer -> assertThat(peer.getIpBlock()).isNull()));
        }

        JsonNode cnp = rendered.manifests().single("CiliumNetworkPolicy").path("spec");
        rendered.podLabelsSelectedBy(labels(cnp.path("endpointSelector").path("matchLabels")));
        List<String> fqdns = new ArrayList<>();
        boolean dnsSeen = false;
        for (JsonNode rule : cnp.path("egress")) {
            List<String> ports = new ArrayList<>();
            rule.path("toPorts").forEach(toPorts -> toPorts.path("ports")
                    .forEach(port -> ports.add(port.path("protocol").asText() + "/" + port.path("port").asText())));
            if (rule.has("toFQDNs")) {
                rule.path("toFQDNs").forEach(fqdn -> {
                    assertThat(fqdn.has("matchPattern")).as("a pattern would admit more hosts than Finch's").isFalse();
                    fqdns.add(fqdn.path("matchName").asText());
                });
                assertThat(ports).containsExactly("TCP/443");
            } else {
                // The DNS rule: to kube-dns only, through Cilium's DNS proxy (rules.dns), without which toFQDNs
                // never learns an address.
                assertThat(rule.fieldNames()).toIterable().containsExactlyInAnyOrder("toEndpoints", "toPorts");
                assertThat(rule.path("toEndpoints")).singleElement().satisfies(peer -> assertThat(labels(peer.path("matchLabels")))
                        .containsEntry("k8s:io.kubernetes.pod.namespace", "kube-system").containsEntry("k8s:k8s-app", "kube-dns"));
                assertThat(ports).containsExactlyInAnyOrder("UDP/53", "TCP/53");
                assertThat(rule.path("toPorts").get(0).path("rules").path("dns").findValuesAsText("matchPattern")).contains("*");
                dnsSeen = true;
            }
        }
        assertThat(dnsSeen).isTrue();
        assertThat(fqdns).containsExactly(finchHost);
    }

    @Test
    void theFinchClientGoesThroughTheProxyFinchProxyAddressNames() {
        // FinchGateway sets these on the Finch client's builder; Vert.x reads neither HTTPS_PROXY nor the JVM's
        // https.proxyHost.
        assertThat(ApplicationProperties.variable(APP.value("finch.proxy-address", "")))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(new ApplicationProperties.Variable("FINCH_PROXY_ADDRESS", "")));
        assertThat(ApplicationProperties.variable(APP.value("finch.non-proxy-hosts", "")))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(new ApplicationProperties.Variable("FINCH_NON_PROXY_HOSTS", "")));
    }

    private static java.util.Map<String, String> labels(JsonNode matchLabels) {
        java.util.Map<String, String> labels = new java.util.TreeMap<>();
        matchLabels.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }
}
