package io.finchconnect.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Sql;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The versioned migrations ran at start-up, the entity mappings agree with the schema they made, and every
 * uniqueness rule of the service is a constraint of the database, not only a check in code.
 */
@QuarkusTest
class SchemaMigrationTest {

    private static final String UNIQUE_VIOLATION = "23505";
    private static final String CHECK_VIOLATION = "23514";

    private static final Pattern MIGRATION_FILE = Pattern.compile("V(\\d+(?:_\\d+)?)__.+\\.sql");

    @Test
    void everyMigrationAppliedSuccessfully() throws IOException {
        assertThat(Sql.column("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank"))
                .containsExactlyElementsOf(migrationVersionsInOrder());
        assertThat(Sql.count("SELECT count(*) FROM flyway_schema_history WHERE NOT success")).isZero();
    }

    /**
     * Hibernate validated every mapped column, its type included, against the migrated schema before this
     * application started, and would have refused to start on a mismatch; this keeps that check switched on.
     */
    @Test
    void theEntityMappingsWereValidatedAgainstTheMigratedSchema() {
        assertThat(ConfigProvider.getConfig().getValue("quarkus.hibernate-orm.schema-management.strategy", String.class))
                .isEqualTo("validate");
    }

    @Test
    void aCustomerIdNamesOneCustomer() {
        String customer = customer();
        assertViolates(UNIQUE_VIOLATION, "INSERT INTO customers (customer_id, customer_name) VALUES (?, 'Again')", customer);
        assertViolates(CHECK_VIOLATION, "INSERT INTO customers (customer_id, customer_name) VALUES ('', 'Empty')");
    }

    @Test
    void aCustomerHasOneStagedSessionAndSessionIdsAreUnique() {
        String customer = customer();
        String session = UUID.randomUUID().toString();
        stagedSession(customer, session);
        assertViolates(UNIQUE_VIOLATION, stagedSessionSql(), customer, UUID.randomUUID().toString());
        assertViolates(UNIQUE_VIOLATION, stagedSessionSql(), customer(), session);
    }

    @Test
    void aCustomerHasOneLiveConnectionWithAKnownStatusAndKeepsDisconnectedOnesAsHistory() {
        String customer = customer();
        connection(customer, UUID.randomUUID().toString(), "disconnected");
        connection(customer, UUID.randomUUID().toString(), "disconnected");
        connection(customer, UUID.randomUUID().toString(), "connected");
        assertViolates(UNIQUE_VIOLATION, connectionSql(), UUID.randomUUID().toString(), customer, "connected");
        assertViolates(UNIQUE_VIOLATION, connectionSql(), UUID.randomUUID().toString(), customer, "reauth");
        assertViolates(CHECK_VIOLATION, connectionSql(), UUID.randomUUID().toString(), customer(), "half-connected");
    }

    @Test
    void oneReauthSessionPerEpisode() {
        String connection = UUID.randomUUID().toString();
        connection(customer(), connection, "reauth");
        // Unknown to Finch: keep the reauth-session sweeper from asking Finch for it during the rest of the run.
        Sql.update("UPDATE connections SET reauth_next_attempt_at = now() + interval '1 day' WHERE connection_id = ?", connection);
        String sql = "INSERT INTO reauth_sessions (connection_id, episode, session_id, connect_url, expires_at) "
                + "VALUES (?, 1, ?, 'https://connect.example/authorize', now() + interval '1 day')";
        Sql.update(sql, connection, UUID.randomUUID().toString());
        assertViolates(UNIQUE_VIOLATION, sql, connection, UUID.randomUUID().toString());
    }

    @Test
    void incomingEventsAndOutboxEventsAreUniqueById() {
        String eventId = "msg_" + UUID.randomUUID();
        String incoming = "INSERT INTO incoming_events (event_id, channel, outcome) VALUES (?, 'http', 'applied')";
        Sql.update(incoming, eventId);
        assertViolates(UNIQUE_VIOLATION, incoming, eventId);

        String outboxId = UUID.randomUUID().toString();
        String outbox = "INSERT INTO outbox (event_id, message_key, event_type, payload, sent_at) "
                + "VALUES (?::uuid, 'schema-test', 'finch.connection.test', '{}', now())";
        Sql.update(outbox, outboxId);
        assertViolates(UNIQUE_VIOLATION, outbox, outboxId);
    }

    private static String customer() {
        String id = "cust-" + UUID.randomUUID();
        Sql.update("INSERT INTO customers (customer_id, customer_name) VALUES (?, 'Acme')", id);
        return id;
    }

    private static String stagedSessionSql() {
        return "INSERT INTO staged_sessions (customer_id, session_id, connect_url, products, minutes_to_expire, expires_at) "
                + "VALUES (?, ?, 'https://connect.example/authorize', '{company}', 60, now() + interval '1 hour')";
    }

    private static void stagedSession(String customer, String session) {
        Sql.update(stagedSessionSql(), customer, session);
    }

    private static String connectionSql() {
        return "INSERT INTO connections (connection_id, customer_id, status, status_changed_at, token_key_id, "
                + "token_ciphertext, connected_at) VALUES (?, ?, ?, now(), 'k1', '\\x00', now())";
    }

    private static void connection(String customer, String connection, String status) {
        Sql.update(connectionSql(), connection, customer, status);
    }

    private static void assertViolates(String sqlState, String sql, Object... parameters) {
        assertThatThrownBy(() -> Sql.update(sql, parameters)).hasCauseInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo(sqlState));
    }

    /** The versions of the migration files in the source tree, as Flyway orders and writes them ("5_1" is "5.1"). */
    private static List<String> migrationVersionsInOrder() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            return files.map(file -> MIGRATION_FILE.matcher(file.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(match -> match.group(1).replace('_', '.'))
                    .sorted((a, b) -> compareVersions(a, b))
                    .toList();
        }
    }

    private static int compareVersions(String a, String b) {
        String[] left = a.split("\\.");
        String[] right = b.split("\\.");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            int l = i < left.length ? Integer.parseInt(left[i]) : 0;
            int r = i < right.length ? Integer.parseInt(right[i]) : 0;
            if (l != r) {
                return Integer.compare(l, r);
            }
        }
        return 0;
    }
}
