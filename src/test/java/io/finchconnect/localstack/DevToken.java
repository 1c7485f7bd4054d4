package io.finchconnect.localstack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.finchconnect.testing.DevJwt;

/**
 * Prints a bearer token for the local stack with the roles of your choice, as a calling service would hold one
 * (docs/api-and-events.md, "Calling the API"), signed with the local stack's dev key so the service accepts it:
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
 *      io.finchconnect.localstack.DevToken [--subject NAME] [--audience AUD]... [--hours N] [ROLE...]
 * </pre>
 *
 * Without roles the token has every role. The key pair is the one {@link LocalStack} uses (under
 * {@code target/local-stack/jwt}, or {@code -Dlocal.dir}), created here if the stack has not run yet.
 */
public final class DevToken {

    /** Every role the API checks. */
    public static final List<String> ROLES = List.of("sessions:write", "sessions:read", "connections:read",
            "connections:write", "connections:report", "tokens:read", "outbox:admin");

    private DevToken() {
    }

    public static void main(String[] args) {
        String subject = "local-developer";
        Set<String> audiences = new LinkedHashSet<>();
        Set<String> roles = new LinkedHashSet<>();
        long hours = 12;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--subject" -> subject = value(args, ++i);
                case "--audience" -> audiences.add(value(args, ++i));
                case "--hours" -> hours = Long.parseLong(value(args, ++i));
                default -> {
                    if (!ROLES.contains(args[i])) {
                        System.err.println("warning: " + args[i] + " is not a role the API checks " + ROLES);
                    }
                    roles.add(args[i]);
                }
            }
        }
        DevJwt jwt = DevJwt.inFolder(Path.of(System.getProperty("local.dir", "target/local-stack")).resolve("jwt"));
        System.out.println(jwt.token(subject, roles.isEmpty() ? new LinkedHashSet<>(ROLES) : roles, audiences,
                Duration.ofHours(hours)));
    }

    private static String value(String[] args, int index) {
        if (index >= args.length) {
            throw new IllegalArgumentException(args[index - 1] + " needs a value");
        }
        return args[index];
    }
}
