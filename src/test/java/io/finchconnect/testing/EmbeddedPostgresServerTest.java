package io.finchconnect.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerTest {

    @TempDir
    Path workDir;

    @Test
    void dataSurvivesStopRestartAndANewServerOnTheSameDirectory() throws SQLException {
        Path dataDir = workDir.resolve("pg-data");
        int port;
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
            port = server.port();
            assertEquals("jdbc:postgresql://localhost:" + port + "/finch", server.jdbcUrl());
            assertEquals("postgresql://localhost:" + port + "/finch", server.reactiveUrl());
            execute(server, "CREATE TABLE note (id INT PRIMARY KEY, body TEXT NOT NULL)");
            execute(server, "INSERT INTO note VALUES (1, 'before stop')");
            assertEquals("off", queryStrings(server, "SHOW fsync").get(0));
            assertEquals("200", queryStrings(server, "SHOW max_connections").get(0));

            server.stop();
            assertThrows(SQLException.class, () -> queryStrings(server, "SELECT 1"));

            server.restart();
            assertEquals(port, server.port());
            execute(server, "INSERT INTO note VALUES (2, 'after restart')");
            assertEquals(List.of("before stop", "after restart"), queryStrings(server, "SELECT body FROM note ORDER BY id"));
        }

        // The local stack starts a new server on the data it left behind.
        try (EmbeddedPostgresServer again = EmbeddedPostgresServer.start(dataDir, 0)) {
            assertEquals(List.of("before stop", "after restart"), queryStrings(again, "SELECT body FROM note ORDER BY id"));
        }
    }

    private static void execute(EmbeddedPostgresServer server, String sql) throws SQLException {
        try (Connection c = connect(server); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static List<String> queryStrings(EmbeddedPostgresServer server, String sql) throws SQLException {
        try (Connection c = connect(server); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }

    private static Connection connect(EmbeddedPostgresServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
    }
}
