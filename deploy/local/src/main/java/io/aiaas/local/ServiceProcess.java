package io.aiaas.local;

import io.aiaas.infra.ParentWatchdog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One packaged platform service ({@code target/quarkus-app/quarkus-run.jar}) running as a child JVM. */
public final class ServiceProcess implements AutoCloseable {

    /** The four services, their default ports and heaps. */
    public enum Service {
        TENANT("tenant-service", 8081, 256),
        MODEL("model-service", 8082, 384),
        WORKER("worker", 8083, 768),
        GATEWAY("gateway", 8080, 384);

        private final String module;
        private final int defaultPort;
        private final int heapMb;

        Service(String module, int defaultPort, int heapMb) {
            this.module = module;
            this.defaultPort = defaultPort;
            this.heapMb = heapMb;
        }

        public String module() {
            return module;
        }

        /** The heap (-Xmx) a process of this service gets, in MiB. */
        public int heapMb() {
            return heapMb;
        }

        public int defaultPort() {
            return defaultPort;
        }

        public Path jar(Path repoRoot) {
            return repoRoot.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        }
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Service service;
    private final int port;
    private final Process process;
    private final Path log;

    private ServiceProcess(Service service, int port, Process process, Path log) {
        this.service = service;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code service} on {@code port}. Configuration travels in the environment only: secrets never appear on
     * a command line.
     */
    public static ServiceProcess start(Path repoRoot, Service service, int port, Map<String, String> env, Path logDir)
            throws IOException {
        return start(repoRoot, service, service.module(), port, env, logDir);
    }

    /** As {@link #start(Path, Service, int, Map, Path)}, logging to {@code <name>.log} (replicas of one service). */
    public static ServiceProcess start(
            Path repoRoot, Service service, String name, int port, Map<String, String> env, Path logDir)
            throws IOException {
        return start(repoRoot, service, name, port, service.heapMb, env, logDir);
    }

    /** As {@link #start(Path, Service, String, int, Map, Path)}, with a heap of {@code heapMb} MiB. */
    public static ServiceProcess start(
            Path repoRoot, Service service, String name, int port, int heapMb, Map<String, String> env, Path logDir)
            throws IOException {
        Path jar = service.jar(repoRoot);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the services first (./mvnw install -DskipTests)");
        }
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heapMb + "m");
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-jar");
        command.add(jar.toString());
        // The service ends with the launcher even if the launcher is killed outright.
        ProcessBuilder builder = new ProcessBuilder(ParentWatchdog.wrap("aiaas-" + name, command))
                .directory(repoRoot.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
        return new ServiceProcess(service, port, builder.start(), log);
    }

    public Service service() {
        return service;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until {@code /q/health/ready} answers 200; fails early if the process dies. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(3))
                .GET()
                .build();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        service.module() + " exited with code " + process.exitValue() + "; see " + log);
            }
            try {
                if (HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(service.module() + " not ready after " + timeout + "; see " + log);
    }

    /** Asks the service to stop (SIGTERM), then kills it and anything it started if it does not within 20 s. */
    @Override
    public void close() {
        ProcessTree.stop(process.toHandle(), Duration.ofSeconds(20));
    }

    /** Kills the service at once, as a crash would. */
    public void kill() throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
