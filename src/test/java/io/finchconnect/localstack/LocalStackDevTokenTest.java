package io.finchconnect.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The local stack's dev token is documented as holding every role: it holds each one the API checks. */
class LocalStackDevTokenTest {

    private static final Pattern ROLES_ALLOWED = Pattern.compile("@RolesAllowed\\(\\s*\\{?([^)}]*)\\}?\\s*\\)");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

    @Test
    void theDevTokenHoldsEveryRoleTheApiChecks() throws IOException {
        Set<String> checked = rolesAllowedInMainSources();

        assertThat(checked).as("@RolesAllowed found in src/main/java").isNotEmpty();
        assertThat(DevToken.ROLES).containsAll(checked);
    }

    private static Set<String> rolesAllowedInMainSources() throws IOException {
        Set<String> roles = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            files.filter(file -> file.toString().endsWith(".java")).forEach(file -> {
                Matcher annotation = ROLES_ALLOWED.matcher(read(file));
                while (annotation.find()) {
                    Matcher role = QUOTED.matcher(annotation.group(1));
                    while (role.find()) {
                        roles.add(role.group(1));
                    }
                }
            });
        }
        return roles;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
