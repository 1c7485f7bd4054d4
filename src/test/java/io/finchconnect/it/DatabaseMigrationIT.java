package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * The schema as production gets it, each case on an empty database of its own: the jar only validates and refuses
 * pending migrations; the migration Job's settings migrate and exit; one instance migrating at start needs that
 * one setting.
 */
class DatabaseMigrationIT {

    @Test
    void theJarOnlyValidatesTheSchemaAndTheMigrationJobsRunMigratesItAndExits() throws Exception {
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        onNewDatabase(environment, "migration_" + System.nanoTime());

        ServiceProcess unmigrated = ServiceProcess.start(environment, "unmigrated");
        assertThat(unmigrated.exitsWithin(Duration.ofSeconds(90))).as("refuses a schema with pending migrations").isTrue();
        assertThat(unmigrated.exitCode()).isNotZero();
        assertThat(unmigrated.output()).containsIgnoringCase("validate").contains("not applied");

        String migration = ServiceProcess.migrate(environment);
        assertThat(migration).contains("Successfully applied");

        try (ServiceProcess service = ServiceProcess.start(environment, "migrated")) {
            service.awaitReady();
        }
    }

    @Test
    void oneInstanceMigratingAtStartWithThatOneSettingMigratesAnEmptyDatabaseAndBecomesReady() throws Exception {
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        onNewDatabase(environment, "migrate_at_start_" + System.nanoTime());
        environment.put("DB_MIGRATE_AT_START", "true");

        try (ServiceProcess service = ServiceProcess.start(environment, "migrate-at-start")) {
            service.awaitReady();
            assertThat(service.output()).contains("Successfully applied");
        }
    }

    /** Creates an empty database and points the environment's PostgreSQL URLs at it. */
    private static void onNewDatabase(Map<String, String> environment, String database) throws Exception {
        try (Connection connection = DriverManager.getConnection(environment.get("QUARKUS_DATASOURCE_JDBC_URL"),
                environment.get("QUARKUS_DATASOURCE_USERNAME"), environment.get("QUARKUS_DATASOURCE_PASSWORD"));
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
        environment.replaceAll((name, value) -> name.startsWith("QUARKUS_DATASOURCE_") && name.endsWith("_URL")
                ? value.replaceFirst("/[^/?]+(\\?.*)?$", "/" + database + "$1") : value);
    }
}
