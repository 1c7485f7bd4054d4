package io.finchconnect.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.ManagementInterface;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The outbox-monitoring component's dashboard is valid Grafana JSON whose every panel queries metrics this
 * service exports, and its alert rules query exported metrics too: a renamed meter breaks this test, not the
 * dashboard in production.
 */
@QuarkusTest
class MonitoringDashboardTest {

    private static final Path COMPONENT = Kustomize.DEPLOY.resolve("components/outbox-monitoring");
    /** Identifiers in PromQL that are not metric names. */
    private static final Set<String> PROMQL_WORDS = Set.of("max", "min", "sum", "by", "rate", "histogram_quantile", "le",
            "partition", "status", "job", "pod", "humanizeDuration", "value", "increase", "outcome");
    @Test
    void theDashboardIsValidJsonAndEveryPanelQueriesAnExportedMetric() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(COMPONENT.resolve("finch-connect-dashboard.json")));
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("panels").isArray()).isTrue();
        List<String> titles = new ArrayList<>();
        Set<String> referenced = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            titles.add(panel.path("title").asText());
            assertThat(panel.path("targets").size()).as("targets of %s", panel.path("title")).isPositive();
            for (JsonNode target : panel.path("targets")) {
                Set<String> metrics = metricNames(target.path("expr").asText());
                assertThat(metrics).as("metrics of %s", panel.path("title")).isNotEmpty();
                referenced.addAll(metrics);
            }
        }
        assertThat(titles).anyMatch(title -> title.startsWith("Outbox")).anyMatch(title -> title.startsWith("Webhook inbox"))
                .anyMatch(title -> title.startsWith("Connections by status"));

        Set<String> exported = exportedMetrics();
        Set<String> missing = referenced.stream().filter(name -> !exported.contains(name))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(missing).as("metrics the dashboard queries but the service does not export").isEmpty();
    }

    @Test
    void everyAlertRuleQueriesAnExportedMetric() {
        Manifests rules = Manifests.read(COMPONENT.resolve("prometheus-rule.yaml"));
        Set<String> referenced = new TreeSet<>();
        for (JsonNode group : rules.single("PrometheusRule").path("spec").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                assertThat(rule.path("alert").asText()).isNotBlank();
                referenced.addAll(metricNames(rule.path("expr").asText()));
            }
        }
        assertThat(referenced).contains("outbox_oldest_pending_age_seconds", "outbox_pending", "outbox_parked");
        assertThat(exportedMetrics()).containsAll(referenced);
    }

    private static Set<String> exportedMetrics() {
        // The partition and connection gauges appear once the first refresh has run.
        Set<String> exported = new TreeSet<>();
        Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
            exported.clear();
            ManagementInterface.given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                    .filter(line -> !line.startsWith("#") && !line.isBlank())
                    .map(line -> line.split("[{ ]", 2)[0]).forEach(exported::add);
            return exported.contains("outbox_partition_pending") && exported.contains("finch_connections");
        });
        return exported;
    }

    /** Metric names in a PromQL expression: identifiers outside label matchers and range brackets. */
    static Set<String> metricNames(String expr) {
        String withoutLabels = expr.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ")
                .replaceAll("\"[^\"]*\"", " ");
        Set<String> names = new TreeSet<>();
        Matcher matcher = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(withoutLabels);
        while (matcher.find()) {
            String word = matcher.group();
            if (!PROMQL_WORDS.contains(word) && word.contains("_")) {
                names.add(word);
            }
        }
        return names;
    }
}
