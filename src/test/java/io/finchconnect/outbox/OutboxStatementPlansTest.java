package io.finchconnect.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.finchconnect.testing.EmbeddedPostgresServer;

/**
 * The relay's claim and settling keep to their indexes once PostgreSQL has statistics of a large backlog, with
 * the plan it makes for each execution (as the reactive client gets it without cached statements) and with the
 * generic plan of a cached statement. The statements once joined the lease table per row: after the first
 * ANALYZE, PostgreSQL sorted the whole table on every claim (50 times slower) and looked each settled id up
 * once per partition. A server of its own, so 50,000 rows reach no relay.
 */
class OutboxStatementPlansTest {

    private static final int BACKLOG = 50_000;
    private static final int BATCH = 500;

    @TempDir
    static Path folder;

    @ParameterizedTest
    @ValueSource(strings = { "force_custom_plan", "force_generic_plan" })
    void claimAndSettleStayOnTheirIndexesOverAnAnalysedBacklog(String planCacheMode) throws SQLException {
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(folder.resolve(planCacheMode), 0)) {
            Flyway.configure().dataSource(postgres.jdbcUrl(), postgres.username(), postgres.password())
                    .locations("classpath:db/migration").load().migrate();
            try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
                 Statement sql = connection.createStatement()) {
                sql.execute("""
                        INSERT INTO outbox (event_id, message_key, event_type, payload)
                        SELECT gen_random_uuid(), 'conn-' || (g %% 1000), 'finch.connection.test', '{"n": 1}'
                        FROM generate_series(1, %d) AS g""".formatted(BACKLOG));
                sql.execute("UPDATE outbox_partition SET owner = 'relay-a', token = 7, lease_until = now() + interval '1 hour'");
                sql.execute("ANALYZE outbox");
                sql.execute("ANALYZE outbox_partition");
                long firstId = single(sql, "SELECT min(id) FROM outbox");
                String inFlight = LongStream.range(firstId, firstId + BATCH).mapToObj(Long::toString)
                        .collect(Collectors.joining(",", "'{", "}'"));
                String partitions = IntStream.range(0, PartitionLeases.PARTITIONS).mapToObj(Integer::toString)
                        .collect(Collectors.joining(",", "'{", "}'"));
                String tokens = IntStream.range(0, PartitionLeases.PARTITIONS).mapToObj(partition -> "7")
                        .collect(Collectors.joining(",", "'{", "}'"));
                sql.execute("SET plan_cache_mode = " + planCacheMode);
                sql.execute("PREPARE claim(int, bigint[], smallint[], varchar, bigint[]) AS " + OutboxStore.CLAIM);
                sql.execute("PREPARE settle(bigint[], varchar, bigint[]) AS " + OutboxStore.DELETE_SENT_FENCED);

                String claim = plan(sql, "EXECUTE claim(%d, %s, %s, 'relay-a', %s)".formatted(BATCH, inFlight, partitions, tokens));
                assertThat(claim).as(claim).contains("Index Scan using outbox_pending on outbox o")
                        .doesNotContain("Seq Scan on outbox o").doesNotContain("Sort");
                String settle = plan(sql, "EXECUTE settle(%s, 'relay-a', %s)".formatted(inFlight, tokens));
                assertThat(settle).as(settle).contains("Index Scan using outbox_pkey on outbox o")
                        .doesNotContain("Seq Scan on outbox o").doesNotContain("Nested Loop");
            }
        }
    }

    private static long single(Statement sql, String query) throws SQLException {
        try (ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String plan(Statement sql, String execute) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (ResultSet rows = sql.executeQuery("EXPLAIN " + execute)) {
            while (rows.next()) {
                plan.append(rows.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }
}
