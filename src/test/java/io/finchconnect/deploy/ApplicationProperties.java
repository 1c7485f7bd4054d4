package io.finchconnect.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the manifests must agree with, read from the application's own {@code application.properties} so the
 * tests follow the application when it changes: the fail-fast variables, the HTTP port, the health and metrics
 * paths, the shutdown timeout.
 */
final class ApplicationProperties {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::([^}]*))?}");

    private final Properties properties = new Properties();

    ApplicationProperties(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ApplicationProperties load() {
        return new ApplicationProperties(Path.of("src/main/resources/application.properties"));
    }

    /** The variables of the {@code %prod.required-environment.*} lines: production refuses to start without them. */
    List<String> requiredEnvironment() {
        return properties.stringPropertyNames().stream()
                .filter(name -> name.startsWith("%prod.required-environment."))
                .map(name -> variable(properties.getProperty(name))
                        .orElseThrow(() -> new IllegalStateException(name + " is not ${VARIABLE}"))
                        .name())
                .sorted()
                .toList();
    }

    /** The production value of a property: the %prod one if any, else the plain one, else the given default. */
    String value(String property, String defaultValue) {
        return Optional.ofNullable(properties.getProperty("%prod." + property))
                .or(() -> Optional.ofNullable(properties.getProperty(property)))
                .orElse(defaultValue);
    }

    /** The variable an expression like {@code ${PORT:8080}} reads, with its default. */
    static Optional<Variable> variable(String expression) {
        Matcher matcher = VARIABLE.matcher(expression.trim());
        return matcher.matches() ? Optional.of(new Variable(matcher.group(1), matcher.group(2))) : Optional.empty();
    }

    /** The health check paths SmallRye Health serves with this configuration (Quarkus defaults otherwise). */
    String healthPath(String check) {
        String root = "/" + (managementEnabled() ? value("quarkus.management.root-path", "q")
                : value("quarkus.http.non-application-root-path", "q")).replaceAll("^/|/$", "");
        String health = value("quarkus.smallrye-health.root-path", "health").replaceAll("^/|/$", "");
        String sub = switch (check) {
            case "live" -> value("quarkus.smallrye-health.liveness-path", "live");
            case "ready" -> value("quarkus.smallrye-health.readiness-path", "ready");
            case "started" -> value("quarkus.smallrye-health.startup-path", "started");
            default -> throw new IllegalArgumentException(check);
        };
        return root + "/" + health + "/" + sub.replaceAll("^/", "");
    }

    /** Whether health and metrics are on Quarkus' management interface (its own port) rather than the HTTP port. */
    boolean managementEnabled() {
        return Boolean.parseBoolean(value("quarkus.management.enabled", "false"));
    }

    record Variable(String name, String defaultValue) {
    }
}
