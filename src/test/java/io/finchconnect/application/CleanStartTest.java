package io.finchconnect.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * A start that nothing is wrong with logs nothing at WARN or above: a warning at every start teaches people to
 * overlook warnings. The application of this class writes its WARN and ERROR lines to a file of its own.
 */
@QuarkusTest
@TestProfile(CleanStartTest.WarningsToFile.class)
class CleanStartTest {

    /** One file per test JVM: the profile and the test are loaded by different class loaders, the pid is the same. */
    static final Path WARNINGS = Path.of("target", "clean-start", ProcessHandle.current().pid() + ".log").toAbsolutePath();

    public static class WarningsToFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.file.enabled", "true", "quarkus.log.file.path", WARNINGS.toString(),
                    "quarkus.log.file.level", "WARN", "quarkus.log.file.json.enabled", "false");
        }
    }

    @Inject
    Pool pool;

    @Test
    void startingAndOpeningSeveralDatabaseConnectionsLogsNoWarning() throws IOException {
        // Each new pooled connection registers the SQL client's metrics again: the second one did warn.
        Uni.join().all(IntStream.range(0, 4).mapToObj(i -> pool.query("SELECT pg_sleep(0.2)").execute()).toList())
                .andFailFast().await().atMost(Duration.ofSeconds(30));

        List<String> warnings = Files.exists(WARNINGS) ? Files.readAllLines(WARNINGS) : List.of();
        assertThat(warnings).as("WARN and ERROR lines logged since start-up").isEmpty();
    }
}
