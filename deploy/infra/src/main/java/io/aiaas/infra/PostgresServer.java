package io.aiaas.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A real PostgreSQL server (zonky's embedded binaries) with a database {@value #DATABASE}.
 *
 * <p>With a data directory the cluster survives restarts; without one it lives in a temporary directory that is
 * deleted on close. Running as root works because zonky runs the binaries under {@code unshare -U}.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String DATABASE = "aiaas";
    private static final String USER = "postgres";
    private static final Logger LOG = Logger.getLogger(PostgresServer.class.getName());

    private final EmbeddedPostgres postgres;
    private final int port;

    private PostgresServer(EmbeddedPostgres postgres, int port) {
        this.postgres = postgres;
        this.port = port;
    }

    /**
     * A handle on a server that something else started and owns (in tests: another class loader's copy of this
     * library); {@link #close()} leaves it running.
     */
    public static PostgresServer attach(int port) {
        return new PostgresServer(null, port);
    }

    /**
     * Starts PostgreSQL.
     *
     * @param dataDir the cluster directory, kept across restarts; {@code null} for a temporary one deleted on close
     * @param port the port, or 0 for a free one
     */
    public static PostgresServer start(Path dataDir, int port) {
        try {
            EmbeddedPostgres.Builder builder =
                    EmbeddedPostgres.builder().setPort(port).setPGStartupWait(Duration.ofSeconds(60));
            if (dataDir != null) {
                Path dir = dataDir.toAbsolutePath();
                Files.createDirectories(dir);
                removeStaleServer(dir);
                Path log = dir.resolveSibling(dir.getFileName() + ".log");
                builder.setDataDirectory(dir)
                        .setCleanDataDirectory(false)
                        // The state is worth keeping here: commits are durable, unlike zonky's test default.
                        .setServerConfig("synchronous_commit", "on")
                        .setOutputRedirector(Redirect.appendTo(log.toFile()))
                        .setErrorRedirector(Redirect.appendTo(log.toFile()));
            }
            EmbeddedPostgres pg = builder.start();
            PostgresServer server = new PostgresServer(pg, pg.getPort());
            try {
                server.createDatabase();
            } catch (SQLException e) {
                pg.close();
                throw new IllegalStateException("could not create database " + DATABASE, e);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL", e);
        }
    }

    private void createDatabase() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, DATABASE);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("CREATE DATABASE " + DATABASE);
            }
        }
    }

    /**
     * After a crash of the JVM that owned the cluster, its postmaster may still run (orphaned) or its
     * {@code postmaster.pid} may name a pid that now belongs to another process; either blocks a new start. zonky's
     * {@code epg-lock} tells whether a live JVM still owns the directory: then nothing is touched.
     */
    private static void removeStaleServer(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.exists(pidFile) || ownedByLiveJvm(dir.resolve("epg-lock"))) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        Optional<ProcessHandle> postmaster = lines.isEmpty()
                ? Optional.empty()
                : parsePid(lines.get(0)).flatMap(ProcessHandle::of).filter(PostgresServer::isPostgres);
        if (postmaster.isPresent()) {
            ProcessHandle p = postmaster.get();
            LOG.info("stopping orphaned PostgreSQL (pid " + p.pid() + ") left by a crash in " + dir);
            List<ProcessHandle> children = p.descendants().toList();
            p.destroy(); // SIGTERM: smart shutdown
            try {
                p.onExit().get(15, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
            }
        }
        Files.deleteIfExists(pidFile);
    }

    private static boolean ownedByLiveJvm(Path lockFile) throws IOException {
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    private static Optional<Long> parsePid(String line) {
        try {
            return Optional.of(Long.parseLong(line.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isPostgres(ProcessHandle p) {
        return p.isAlive()
                && p.info().command().map(c -> c.endsWith("/postgres")).orElse(false);
    }

    /** {@code jdbc:postgresql://localhost:<port>/aiaas}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    public String username() {
        return USER;
    }

    /** The cluster trusts local connections; drivers that insist on a password may send this one. */
    public String password() {
        return USER;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop PostgreSQL", e);
        }
    }
}
