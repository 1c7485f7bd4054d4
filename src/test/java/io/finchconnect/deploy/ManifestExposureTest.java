package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the internet reaches: exactly Finch's webhooks, the browser's return from Finch Connect and the durable
 * links employers open from emails, over TLS, on the API port. Every other path (the rest of the API,
 * /v1/admin/*, /q/openapi; health and metrics are on another port anyway) is not routed, by the Gateway API route
 * of the production overlay and by the Ingress alternative alike.
 */
class ManifestExposureTest {

    /** The only unauthenticated endpoints (Finch's signature; our signed state), by method and exact path. */
    static final Set<String> PUBLIC = Set.of("POST /v1/webhooks/finch", "GET /v1/connect/callback");

    /**
     * The one unauthenticated endpoint whose path has a variable (the durable link's token), so it is routed by a
     * prefix, which must reach no other endpoint of the service.
     */
    static final String PUBLIC_BY_PREFIX = "GET /connect/{link}";

    /** Every endpoint of the service, method and path template: the OpenAPI document the build generates. */
    private static final Path ENDPOINTS = Path.of("docs/openapi.yaml");

    /** Kinds that would route traffic from outside: only the HTTPRoute (or the Ingress alternative) may. */
    private static final List<String> ROUTES = List.of("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute",
            "Ingress");

    @Test
    void productionRoutesExactlyThePublicPathsOverTlsToTheApiPort() {
        Manifests production = Manifests.render(Kustomize.DEPLOY.resolve("overlays/production"));
        assertThat(ROUTES.stream().flatMap(production::ofKind).map(o -> o.path("kind").asText()))
                .containsExactly("HTTPRoute");
        HTTPRoute route = (HTTPRoute) StrictKubernetesModel.readStrictly(production.single("HTTPRoute"));

        Set<String> routed = new HashSet<>();
        for (HTTPRouteRule rule : route.getSpec().getRules()) {
            assertThat(rule.getMatches()).as("a rule without matches routes every path").isNotEmpty();
            for (HTTPRouteMatch match : rule.getMatches()) {
                assertThat(match.getMethod()).as("method of " + match.getPath().getValue()).isNotBlank();
                assertThat(match.getHeaders()).as("header matches would not narrow, but hide intent").isNullOrEmpty();
                String type = match.getPath().getType();
                if ("PathPrefix".equals(type)) {
                    // A prefix may stand for one endpoint only: the one whose path element is a token.
                    assertThat(reachedByPrefix(match.getPath().getValue(), Set.of(match.getMethod())))
                            .as("endpoints reached by prefix " + match.getPath().getValue()).containsExactly(PUBLIC_BY_PREFIX);
                    routed.add(PUBLIC_BY_PREFIX);
                } else {
                    assertThat(type).as("regex paths reach endpoints no test can list").isEqualTo("Exact");
                    routed.add(match.getMethod() + " " + match.getPath().getValue());
                }
            }
            assertThat(rule.getBackendRefs()).isNotEmpty().allSatisfy(backend -> {
                assertThat(backend.getKind()).isEqualTo("Service");
                assertThat(backend.getName()).isEqualTo(production.single("Service").path("metadata").path("name").asText());
                assertThat(backend.getPort()).isEqualTo(apiServicePort(production));
            });
            assertThat(rule.getFilters()).as("no rewrite may turn a public path into another one").isNullOrEmpty();
        }
        assertThat(routed).isEqualTo(union(PUBLIC, PUBLIC_BY_PREFIX));

        // TLS: the route attaches to one named listener of the Gateway (its HTTPS one), never to every listener.
        assertThat(route.getSpec().getParentRefs()).isNotEmpty().allSatisfy(parent -> {
            assertThat(parent.getKind()).isEqualTo("Gateway");
            assertThat(parent.getSectionName()).as("the HTTPS listener").isNotBlank().startsWith("https");
            assertThat(parent.getNamespace()).isNotBlank();
        });
        List<String> hostnames = route.getSpec().getHostnames();
        assertThat(hostnames).isNotEmpty();
        JsonNode certificate = production.single("Certificate");
        assertThat(strings(certificate.path("spec").path("dnsNames"))).containsAll(hostnames);
        String tlsSecret = certificate.path("spec").path("secretName").asText();
        ReferenceGrant grant = (ReferenceGrant) StrictKubernetesModel.readStrictly(production.single("ReferenceGrant"));
        assertThat(grant.getSpec().getFrom()).anySatisfy(from -> {
            assertThat(from.getKind()).isEqualTo("Gateway");
            assertThat(from.getNamespace()).isEqualTo(route.getSpec().getParentRefs().get(0).getNamespace());
        });
        assertThat(grant.getSpec().getTo()).singleElement().satisfies(to -> {
            assertThat(to.getKind()).isEqualTo("Secret");
            assertThat(to.getName()).as("the grant lets the Gateway read the certificate only").isEqualTo(tlsSecret);
        });

        // The browser comes back to the callback Finch redirects to: it must be the routed, public one.
        String redirectUris = production.ofKind("ConfigMap")
                .filter(map -> map.path("metadata").path("name").asText().startsWith("finch-connect-config"))
                .findFirst().orElseThrow(() -> new AssertionError("no finch-connect-config ConfigMap"))
                .path("data").path("FINCH_REDIRECT_URIS").asText();
        for (String uri : redirectUris.split(",")) {
            assertThat(hostnames.stream().map(host -> "https://" + host + "/v1/connect/callback")).contains(uri.trim());
        }
        // The durable links are built on CONNECT_LINK_BASE_URL, else the first redirect URI's origin: a routed host.
        String linkBase = production.ofKind("ConfigMap")
                .filter(map -> map.path("metadata").path("name").asText().startsWith("finch-connect-config"))
                .findFirst().orElseThrow().path("data").path("CONNECT_LINK_BASE_URL").asText(redirectUris.split(",")[0].trim());
        assertThat(hostnames.stream().map(host -> "https://" + host))
                .contains(java.net.URI.create(linkBase).resolve("/").toString().replaceAll("/$", ""));
    }

    @Test
    void thePrefixModelMatchesWholePathElementsAndCatchesAnEndpointAddedUnderIt() {
        assertThat(prefixReaches("/connect/", "/connect/{link}")).isTrue();
        assertThat(prefixReaches("/connect", "/connect/{link}")).isTrue();
        assertThat(prefixReaches("/connect/", "/connector/{id}")).as("not a string prefix").isFalse();
        assertThat(prefixReaches("/connect/", "/v1/connect/callback")).isFalse();
        assertThat(prefixReaches("/connect/", "/{anything}/x")).as("a variable element may be 'connect'").isTrue();
        assertThat(prefixReaches("/connect/", "/connect/{link}/status")).isTrue();
        assertThat(reachedByPrefix("/v1/connect/", Set.of("GET", "POST"))).as("more than one endpoint")
                .contains("GET /v1/connect/callback", "POST /v1/connect/sessions");
    }

    @Test
    void theLocalOverlayAndTheBaseRouteNothing() {
        for (Path kustomization : List.of(Kustomize.DEPLOY.resolve("base"), Kustomize.DEPLOY.resolve("overlays/local"))) {
            Manifests manifests = Manifests.render(kustomization);
            assertThat(ROUTES.stream().flatMap(manifests::ofKind)).as(kustomization.toString()).isEmpty();
        }
    }

    /** The production overlay with components/ingress in place of components/gateway-route (deploy/README.md). */
    @Test
    void theIngressAlternativeRoutesExactlyThePublicPathsOverTls() {
        Manifests manifests = Manifests.render(productionWith("components/gateway-route", "components/ingress"));
        assertThat(ROUTES.stream().flatMap(manifests::ofKind).map(o -> o.path("kind").asText())).containsExactly("Ingress");
        Ingress ingress = (Ingress) StrictKubernetesModel.readStrictly(manifests.single("Ingress"));
        assertThat(ingress.getSpec().getDefaultBackend()).as("a default backend routes every other path").isNull();

        Set<String> paths = new HashSet<>();
        Set<String> hosts = new HashSet<>();
        for (IngressRule rule : ingress.getSpec().getRules()) {
            assertThat(rule.getHost()).as("a rule without host answers for any name").isNotBlank();
            hosts.add(rule.getHost());
            for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                if ("Prefix".equals(path.getPathType())) {
                    // Any method: the endpoints under the prefix, whatever their method, are the durable link only.
                    assertThat(reachedByPrefix(path.getPath(), null)).as("endpoints reached by prefix " + path.getPath())
                            .containsExactly(PUBLIC_BY_PREFIX);
                    paths.add(PUBLIC_BY_PREFIX.split(" ")[1]);
                    continue;
                }
                assertThat(path.getPathType()).as("ImplementationSpecific paths are regexes for some controllers")
                        .isEqualTo("Exact");
                assertThat(path.getBackend().getService().getName())
                        .isEqualTo(manifests.single("Service").path("metadata").path("name").asText());
                assertThat(path.getBackend().getService().getPort().getName()).isEqualTo("http");
                paths.add(path.getPath());
            }
        }
        // An Ingress cannot match methods: the paths are the public ones, whatever the method.
        assertThat(paths).isEqualTo(union(PUBLIC, PUBLIC_BY_PREFIX).stream().map(endpoint -> endpoint.split(" ")[1])
                .collect(java.util.stream.Collectors.toSet()));
        assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls -> {
            assertThat(tls.getHosts()).containsExactlyInAnyOrderElementsOf(hosts);
            assertThat(tls.getSecretName()).isEqualTo(manifests.single("Certificate").path("spec").path("secretName").asText());
        });
        assertThat(strings(manifests.single("Certificate").path("spec").path("dnsNames"))).containsAll(hosts);
        assertThat(manifests.ofKind("NetworkPolicy").map(p -> p.path("metadata").path("name").asText()))
                .contains("finch-connect-service-from-ingress").doesNotContain("finch-connect-service-from-gateway");
    }

    /** The production overlay with one component replaced, rendered from a copy under target/. */
    static Path productionWith(String component, String replacement) {
        return Manifests.productionVariant(replacement.replace('/', '-'), production -> {
            assertThat(production).contains("../../" + component);
            return production.replace("../../" + component, "../../" + replacement);
        });
    }

    /**
     * The service's endpoints ({@code METHOD /path/{var}}) a prefix reaches with these methods ({@code null}: any),
     * as Gateway API's PathPrefix and the Ingress' Prefix match: element by element, a trailing slash ignored.
     */
    static Set<String> reachedByPrefix(String prefix, Set<String> methods) {
        Set<String> reached = new java.util.TreeSet<>();
        JsonNode paths = endpoints().path("paths");
        paths.fieldNames().forEachRemaining(template -> {
            if (prefixReaches(prefix, template)) {
                paths.path(template).fieldNames().forEachRemaining(method -> {
                    String upper = method.toUpperCase(java.util.Locale.ROOT);
                    if (methods == null || methods.contains(upper)) {
                        reached.add(upper + " " + template);
                    }
                });
            }
        });
        return reached;
    }

    /** Whether some concrete path of the template is under the prefix; a variable element may take any value. */
    static boolean prefixReaches(String prefix, String template) {
        List<String> wanted = elements(prefix);
        List<String> present = elements(template);
        if (present.size() < wanted.size()) {
            return false;
        }
        for (int i = 0; i < wanted.size(); i++) {
            if (!present.get(i).startsWith("{") && !present.get(i).equals(wanted.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> elements(String path) {
        return java.util.Arrays.stream(path.split("/")).filter(element -> !element.isEmpty()).toList();
    }

    private static JsonNode endpoints() {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                    .readTree(ENDPOINTS.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Set<String> union(Set<String> endpoints, String endpoint) {
        Set<String> all = new HashSet<>(endpoints);
        all.add(endpoint);
        return all;
    }

    private static int apiServicePort(Manifests manifests) {
        Service service = (Service) StrictKubernetesModel.readStrictly(manifests.single("Service"));
        return service.getSpec().getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst().orElseThrow()
                .getPort();
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }
}
