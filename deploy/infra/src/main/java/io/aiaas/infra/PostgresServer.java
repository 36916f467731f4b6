package io.aiaas.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.lang.management.ManagementFactory;
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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * A real PostgreSQL server (zonky's embedded binaries) with a database {@value #DATABASE}.
 *
 * <p>With a data directory the cluster survives restarts; without one it lives in a temporary directory that is
 * deleted on close. {@link #stop()} and {@link #startAgain()} take it down and up on the same port and data, as an
 * outage would (failure tests). Running as root works because zonky runs the binaries under {@code unshare -U}.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String DATABASE = "aiaas";
    private static final String USER = "postgres";
    private static final Logger LOG = Logger.getLogger(PostgresServer.class.getName());

    /*
     * Tests may hold this library in several class loaders; the copy that started a server registers its stop and
     * start-again as an MBean of the platform MBean server, which every copy's handle reaches by name.
     */
    private static final String CONTROL_NAME = "io.aiaas.infra:type=PostgresServer,port=";

    /** The operations {@link #attach attached} handles invoke on the owning copy. */
    public interface Control {
        void stop();

        void startAgain();
    }

    private final Path dataDir;
    private final boolean temporary;
    private final boolean keepCommitsDurable;
    private final int port;
    private final boolean attached;
    private EmbeddedPostgres postgres;

    private PostgresServer(Path dataDir, boolean temporary, boolean keepCommitsDurable, int port, boolean attached) {
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.keepCommitsDurable = keepCommitsDurable;
        this.port = port;
        this.attached = attached;
    }

    /**
     * A handle on a server that something else started and owns (in tests: another class loader's copy of this
     * library); {@link #close()} leaves it running, {@link #stop()} and {@link #startAgain()} act on the owner's.
     */
    public static PostgresServer attach(int port) {
        return new PostgresServer(null, false, false, port, true);
    }

    /**
     * Starts PostgreSQL.
     *
     * @param dataDir the cluster directory, kept across restarts; {@code null} for a temporary one deleted on close
     * @param port the port, or 0 for a free one
     */
    public static PostgresServer start(Path dataDir, int port) {
        try {
            boolean temporary = dataDir == null;
            // Our own temporary directory rather than zonky's, so that a stopped server can start again on its data.
            Path dir = temporary ? Files.createTempDirectory("aiaas-postgres-") : dataDir.toAbsolutePath();
            Files.createDirectories(dir);
            if (!temporary) {
                removeStaleServer(dir);
            }
            EmbeddedPostgres pg = boot(dir, port, !temporary);
            PostgresServer server = new PostgresServer(dir, temporary, !temporary, pg.getPort(), false);
            server.postgres = pg;
            try {
                server.createDatabase();
            } catch (SQLException e) {
                pg.close();
                throw new IllegalStateException("could not create database " + DATABASE, e);
            }
            server.registerControl();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL", e);
        }
    }

    private static EmbeddedPostgres boot(Path dir, int port, boolean durable) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(port)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setDataDirectory(dir)
                .setCleanDataDirectory(false);
        if (durable) {
            Path log = dir.resolveSibling(dir.getFileName() + ".log");
            // The state is worth keeping here: commits are durable, unlike zonky's test default.
            builder.setServerConfig("synchronous_commit", "on")
                    .setOutputRedirector(Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(Redirect.appendTo(log.toFile()));
        }
        return builder.start();
    }

    /**
     * Stops the server (a fast shutdown: open connections are cut, as in an outage), keeping its port and data for
     * {@link #startAgain()}. Stopping a stopped server does nothing.
     */
    public void stop() {
        if (attached) {
            invokeOwner("stop");
            return;
        }
        synchronized (this) {
            if (postgres != null) {
                try {
                    postgres.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("could not stop PostgreSQL", e);
                } finally {
                    postgres = null;
                }
            }
        }
    }

    /** Starts a stopped server again on the same port and data directory; a running one is left alone. */
    public void startAgain() {
        if (attached) {
            invokeOwner("startAgain");
            return;
        }
        synchronized (this) {
            if (postgres == null) {
                try {
                    postgres = boot(dataDir, port, keepCommitsDurable);
                } catch (IOException e) {
                    throw new UncheckedIOException("could not start PostgreSQL again", e);
                }
            }
        }
    }

    private void registerControl() {
        try {
            MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = controlName();
            if (mbeans.isRegistered(name)) {
                mbeans.unregisterMBean(name); // left by a server of this port that was never closed
            }
            mbeans.registerMBean(
                    new StandardMBean(
                            new Control() {
                                @Override
                                public void stop() {
                                    PostgresServer.this.stop();
                                }

                                @Override
                                public void startAgain() {
                                    PostgresServer.this.startAgain();
                                }
                            },
                            Control.class),
                    name);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the control of PostgreSQL on port " + port, e);
        }
    }

    private void unregisterControl() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(controlName());
        } catch (JMException e) {
            // already gone
        }
    }

    private void invokeOwner(String operation) {
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(controlName(), operation, null, null);
        } catch (InstanceNotFoundException e) {
            throw new IllegalStateException("the PostgreSQL server on port " + port + " is not controlled by this JVM");
        } catch (JMException e) {
            throw new IllegalStateException(operation + " of PostgreSQL on port " + port + " failed", e);
        }
    }

    private ObjectName controlName() throws MalformedObjectNameException {
        return new ObjectName(CONTROL_NAME + port);
    }

    private synchronized void createDatabase() throws SQLException {
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
        if (attached) {
            return;
        }
        unregisterControl();
        stop();
        if (temporary) {
            deleteTree(dataDir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warning("could not delete " + dir + ": " + e);
        }
    }
}
