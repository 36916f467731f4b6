package io.aiaas.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresServerTest {

    @Test
    void temporaryServerAnswersQueriesOnDatabaseAiaas() throws SQLException {
        try (PostgresServer pg = PostgresServer.start(null, 0)) {
            assertTrue(pg.port() > 0);
            assertEquals("jdbc:postgresql://localhost:" + pg.port() + "/aiaas", pg.jdbcUrl());
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password());
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_database(), 40 + 2")) {
                assertTrue(rs.next());
                assertEquals("aiaas", rs.getString(1));
                assertEquals(42, rs.getInt(2));
            }
        }
    }

    @Test
    void dataSurvivesRestartAndAStalePidFileFromACrash(@TempDir Path tmp) throws Exception {
        Path dataDir = tmp.resolve("postgres");
        try (PostgresServer pg = PostgresServer.start(dataDir, 0)) {
            execute(pg, "CREATE TABLE note (text varchar(20))", "INSERT INTO note VALUES ('kept')");
        }
        // After a crash postmaster.pid stays, and its pid may by now belong to another process (here: this JVM).
        Files.writeString(
                dataDir.resolve("postmaster.pid"),
                ProcessHandle.current().pid() + "\n" + dataDir + "\n1700000000\n5432\n");
        try (PostgresServer pg = PostgresServer.start(dataDir, 0);
                Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT text FROM note")) {
            assertTrue(rs.next());
            assertEquals("kept", rs.getString(1));
        }
        assertTrue(Files.exists(tmp.resolve("postgres.log")), "the server log sits next to the data directory");
    }

    @Test
    void stopsAndStartsAgainOnTheSamePortAndData() throws Exception {
        try (PostgresServer pg = PostgresServer.start(null, 0)) {
            execute(pg, "CREATE TABLE note (text varchar(20))", "INSERT INTO note VALUES ('kept')");
            int port = pg.port();

            // another handle on the same server (as another class loader's copy holds) controls it too
            PostgresServer handle = PostgresServer.attach(port);
            handle.stop();
            SQLException refused = assertThrows(
                    SQLException.class, () -> DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password()));
            assertTrue(refused.getSQLState().startsWith("08"), refused.getSQLState());
            pg.stop(); // stopping a stopped server does nothing

            handle.startAgain();
            assertEquals(port, pg.port());
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password());
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT text FROM note")) {
                assertTrue(rs.next());
                assertEquals("kept", rs.getString(1));
            }
        }
    }

    private static void execute(PostgresServer pg, String... sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password());
                Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }
}
