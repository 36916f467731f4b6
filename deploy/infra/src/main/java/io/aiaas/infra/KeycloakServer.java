package io.aiaas.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * A real Keycloak ({@code kc.sh start-dev}, in-memory database) with realm {@value #REALM}, in a child process.
 *
 * <p>The distribution zip, resolved by the build, is unpacked once per machine into
 * {@code ~/.cache/aiaas/keycloak-<version>} and primed there (start-dev rewrites its own {@code lib/quarkus} on
 * first use), so that directory is never written afterwards and instances may share it. Each instance gets a small
 * home of its own under its work directory ({@code lib} links to the shared one) because Keycloak reads the realm to
 * import from {@code <home>/data/import}, a path no option changes.
 */
public final class KeycloakServer implements AutoCloseable {

    public static final String REALM = "aiaas";
    public static final String ADMIN_ROLE = "platform-admin";
    public static final String CLI_CLIENT = "aiaas-cli";
    public static final String PLATFORM_CLIENT = "aiaas-platform";
    /** The user attribute, and access-token claim, naming the tenant a tenant owner belongs to. */
    public static final String TENANT_ID_ATTRIBUTE = "tenant_id";

    private static final Logger LOG = Logger.getLogger(KeycloakServer.class.getName());
    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private static final String READY_LINE = "Running the server in development mode";
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    /** What to start. */
    public static final class Options {
        private int port;
        private String adminPassword = "admin";
        private String platformClientSecret;
        private boolean testUsers;
        private Path workDir;
        private long maxHeapMb = 512;

        /** HTTP port on 127.0.0.1; 0 (the default) for a free one. */
        public Options port(int port) {
            this.port = port;
            return this;
        }

        /** Password of the realm user {@code admin}. */
        public Options adminPassword(String adminPassword) {
            this.adminPassword = Objects.requireNonNull(adminPassword);
            return this;
        }

        /** Secret of the confidential client {@code aiaas-platform}; a random one if never set. */
        public Options platformClientSecret(String secret) {
            this.platformClientSecret = Objects.requireNonNull(secret);
            return this;
        }

        /** Also create user {@code no-role} (password {@code no-role}) without {@code platform-admin}. */
        public Options testUsers(boolean testUsers) {
            this.testUsers = testUsers;
            return this;
        }

        /** Where this instance's home, realm file and log live; a temporary directory (deleted on close) if unset. */
        public Options workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** The Keycloak JVM's maximum heap; 512 MB by default. */
        public Options maxHeapMb(long maxHeapMb) {
            this.maxHeapMb = maxHeapMb;
            return this;
        }
    }

    private final Process process;
    private final int port;
    private final Path workDir;
    private final boolean temporary;
    private final Thread shutdownHook;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile boolean closed;

    private KeycloakServer(Process process, int port, Path workDir, boolean temporary) {
        this.process = process;
        this.port = port;
        this.workDir = workDir;
        this.temporary = temporary;
        this.shutdownHook = new Thread(this::stop, "keycloak-server-shutdown");
        if (process != null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    /**
     * A handle on a Keycloak of this realm that something else started and owns (in tests: another class loader's
     * copy of this library); {@link #close()} leaves it running.
     */
    public static KeycloakServer attach(int port) {
        return new KeycloakServer(null, port, null, false);
    }

    /** Starts Keycloak and returns once realm {@value #REALM} answers; 20–40 s, longer on a machine's first use. */
    public static KeycloakServer start(Options options) {
        try {
            Path dist = distribution();
            boolean temporary = options.workDir == null;
            Path workDir = temporary
                    ? Files.createTempDirectory("aiaas-keycloak-")
                    : Files.createDirectories(options.workDir).toAbsolutePath();
            Path home = instanceHome(dist, workDir);
            String secret = options.platformClientSecret != null
                    ? options.platformClientSecret
                    : UUID.randomUUID().toString();
            Path realmFile = home.resolve("data/import/" + REALM + "-realm.json");
            Files.writeString(realmFile, RealmJson.of(options.adminPassword, secret, options.testUsers));
            int port = options.port == 0 ? ChildProcesses.freePort() : options.port;

            Process process = launch(home, port, options.maxHeapMb, workDir.resolve("keycloak.log"), true);
            KeycloakServer server = new KeycloakServer(process, port, workDir, temporary);
            try {
                server.awaitReady();
            } catch (RuntimeException e) {
                server.close();
                throw e;
            } finally {
                // Imported now: the file holds the admin password and the client secret, so it does not stay.
                Files.deleteIfExists(realmFile);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Keycloak", e);
        }
    }

    /**
     * {@code http://localhost:<port>/realms/aiaas}, the issuer of the realm's tokens, fixed by Keycloak's
     * {@code --hostname} whatever host name a token was requested through.
     */
    public String realmUrl() {
        return "http://localhost:" + port + "/realms/" + REALM;
    }

    public int port() {
        return port;
    }

    /** An access token for the user, from the public client {@code aiaas-cli} (resource owner password grant). */
    public String passwordGrant(String username, String password) {
        return passwordGrant(username, password, "localhost");
    }

    /**
     * As {@link #passwordGrant(String, String)}, asked through another name of this machine (such as
     * {@code 127.0.0.1}); the token's issuer is still {@link #realmUrl()}.
     */
    public String passwordGrant(String username, String password, String hostName) {
        String form = Map.of(
                        "grant_type", "password",
                        "client_id", CLI_CLIENT,
                        "username", username,
                        "password", password)
                .entrySet()
                .stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        URI tokenEndpoint =
                URI.create("http://" + hostName + ":" + port + "/realms/" + REALM + "/protocol/openid-connect/token");
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        HttpResponse<String> response = send(request);
        Matcher m = ACCESS_TOKEN.matcher(response.body());
        if (response.statusCode() != 200 || !m.find()) {
            // Keycloak's error body names the error, never the credentials.
            throw new IllegalStateException("password grant for " + username + " failed: HTTP " + response.statusCode()
                    + " " + response.body());
        }
        return m.group(1);
    }

    @Override
    public void close() {
        stop();
        if (process == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook runs stop() anyway.
        }
    }

    private synchronized void stop() {
        if (closed || process == null) {
            return;
        }
        closed = true;
        ChildProcesses.destroyTree(process, 15);
        if (temporary) {
            ChildProcesses.deleteTree(workDir);
        }
    }

    private void awaitReady() {
        URI wellKnown = URI.create(realmUrl() + "/.well-known/openid-configuration");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with code " + process.exitValue() + "; "
                        + workDir.resolve("keycloak.log") + " ends with:\n"
                        + ChildProcesses.tail(workDir.resolve("keycloak.log"), 20));
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(wellKnown)
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while Keycloak started", e);
            }
            sleep(500);
        }
        throw new IllegalStateException("Keycloak did not answer within " + START_TIMEOUT.toSeconds() + " s; "
                + workDir.resolve("keycloak.log") + " ends with:\n"
                + ChildProcesses.tail(workDir.resolve("keycloak.log"), 20));
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("Keycloak did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Process launch(Path home, int port, long maxHeapMb, Path log, boolean importRealm)
            throws IOException {
        // kc.sh forwards the watchdog's SIGTERM to its java process.
        List<String> command = new ArrayList<>(List.of(
                home.resolve("bin/kc.sh").toString(),
                "start-dev",
                "--http-host=127.0.0.1",
                "--http-port=" + port,
                // Hostname v2: the issuer of every token is this URL whatever name a client used to ask for it
                // (localhost, 127.0.0.1, the machine's name); the back-channel endpoints (keys, token) follow the
                // name the caller used, so a gateway may reach Keycloak through any address.
                "--hostname=http://localhost:" + port,
                "--hostname-backchannel-dynamic=true",
                "--db=dev-mem"));
        if (importRealm) {
            command.add("--import-realm");
        }
        ProcessBuilder builder = new ProcessBuilder(ParentWatchdog.wrap("kc-watchdog", command))
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        // Nothing from the caller's environment may reconfigure this server (KC_DB, JAVA_OPTS, bootstrap admin…).
        env.keySet().removeIf(k -> k.startsWith("KC_") || k.startsWith("KEYCLOAK_") || k.startsWith("JAVA_OPTS"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx" + maxHeapMb + "m");
        return builder.start();
    }

    /** A home of this instance: its own conf, data and (empty) providers and themes; the shared lib. */
    private static Path instanceHome(Path dist, Path workDir) throws IOException {
        Path home = workDir.resolve("home");
        ChildProcesses.deleteTree(home);
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("data/import"));
        Files.createDirectories(home.resolve("providers"));
        Files.createDirectories(home.resolve("themes"));
        Files.createSymbolicLink(home.resolve("lib"), dist.resolve("lib"));
        Files.copy(dist.resolve("bin/kc.sh"), home.resolve("bin/kc.sh"), StandardCopyOption.COPY_ATTRIBUTES);
        copyTree(dist.resolve("conf"), home.resolve("conf"));
        return home;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** The unpacked, primed distribution, made on first use. */
    static synchronized Path distribution() throws IOException {
        Path zip = Path.of(ChildProcesses.buildResource("keycloak-dist.txt"));
        String version = zip.getFileName()
                .toString()
                .replaceFirst("^keycloak-quarkus-dist-", "")
                .replaceFirst("\\.zip$", "");
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "aiaas");
        Path dist = cache.resolve("keycloak-" + version);
        if (Files.isRegularFile(dist.resolve("bin/kc.sh"))) {
            return dist;
        }
        Files.createDirectories(cache);
        Path tmp = Files.createTempDirectory(cache, "keycloak-" + version + ".tmp-");
        try {
            LOG.info("unpacking Keycloak " + version + " into " + dist + " (once per machine)");
            Path unpacked = unzip(zip, tmp);
            prime(unpacked);
            try {
                Files.move(unpacked, dist, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename within " + cache, e);
            } catch (IOException e) {
                // Another process may have got there first (the OS reports that as "exists" or as a generic
                // "directory not empty"); its copy is as good as ours.
                if (!Files.isRegularFile(dist.resolve("bin/kc.sh"))) {
                    throw e;
                }
            }
        } finally {
            ChildProcesses.deleteTree(tmp);
        }
        return dist;
    }

    /** Unpacks the zip keeping Unix modes; returns its single top-level folder. */
    private static Path unzip(Path zip, Path into) throws IOException {
        Path top = null;
        try (ZipFile zf = ZipFile.builder().setPath(zip).get()) {
            Enumeration<ZipArchiveEntry> entries = zf.getEntries();
            while (entries.hasMoreElements()) {
                ZipArchiveEntry entry = entries.nextElement();
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("zip entry outside its folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = zf.getInputStream(entry)) {
                        Files.copy(in, target);
                    }
                    int mode = entry.getUnixMode();
                    if (mode != 0) {
                        Files.setPosixFilePermissions(target, permissions(mode));
                    }
                }
                Path first = into.resolve(into.relativize(target).getName(0));
                top = top == null ? first : top;
            }
        }
        if (top == null || !Files.isRegularFile(top.resolve("bin/kc.sh"))) {
            throw new IOException(zip + " is not a Keycloak distribution");
        }
        return top;
    }

    /**
     * The first start-dev re-augments the distribution for the dev profile and the in-memory database (rewriting
     * {@code lib/quarkus}) and relaunches itself; once it prints that it runs, the distribution is final.
     */
    private static void prime(Path dist) throws IOException {
        Path log = dist.resolve("prime.log");
        Process p = launch(dist, ChildProcesses.freePort(), 512, log, false);
        try {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline && p.isAlive()) {
                if (Files.exists(log) && Files.readString(log).contains(READY_LINE)) {
                    return;
                }
                sleep(500);
            }
            throw new IOException("priming Keycloak failed; see " + log + ":\n" + Files.readString(log));
        } finally {
            ChildProcesses.destroyTree(p, 15);
            try {
                p.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ChildProcesses.deleteTree(dist.resolve("data"));
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
