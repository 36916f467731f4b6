package io.aiaas.infra;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka (KRaft, broker and controller in one node) in a child JVM.
 *
 * <p>The broker's jars (Scala, its Jackson, log4j2) never join the caller's classpath: the build writes their paths
 * into {@code kafka-classpath.txt}, and the child runs on exactly those. The child ends when this JVM does, even when
 * this JVM is killed: {@link KafkaMain} watches its stdin, which is a pipe from here.
 */
public final class KafkaServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaServer.class.getName());
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final String PID_FILE = "kafka.pid";

    private final Process process;
    private final int port;
    private final Path dataDir;
    private final boolean temporary;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private KafkaServer(Process process, int port, Path dataDir, boolean temporary) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.shutdownHook = new Thread(this::stop, "kafka-server-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts the broker and returns once it answers.
     *
     * @param dataDir where the logs, configuration and log files live, kept across restarts; {@code null} for a
     *     temporary directory deleted on close
     * @param port the client port on 127.0.0.1, or 0 for a free one
     * @param maxHeapMb the child JVM's maximum heap
     */
    public static KafkaServer start(Path dataDir, int port, long maxHeapMb) {
        try {
            boolean temporary = dataDir == null;
            Path dir = temporary
                    ? Files.createTempDirectory("aiaas-kafka-")
                    : Files.createDirectories(dataDir).toAbsolutePath();
            stopOrphan(dir);
            int clientPort = port == 0 ? ChildProcesses.freePort() : port;
            int controllerPort = ChildProcesses.freePort();
            // The client port is not bound yet either, so the system may offer the same free port twice.
            while (controllerPort == clientPort) {
                controllerPort = ChildProcesses.freePort();
            }
            Path config = writeConfig(dir, clientPort, controllerPort);
            Path log4j = writeLog4jConfig(dir);
            String classpath = classpath();

            if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
                format(dir, config, log4j, classpath);
            }
            List<String> command = javaCommand(classpath, log4j, maxHeapMb);
            command.add(KafkaMain.class.getName());
            command.add(config.toString());
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("kafka-console.log").toFile()))
                    .start();
            Files.writeString(dir.resolve(PID_FILE), Long.toString(process.pid()));
            KafkaServer server = new KafkaServer(process, clientPort, dir, temporary);
            try {
                server.awaitReady();
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Kafka", e);
        }
    }

    /** {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook runs stop() anyway.
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        // SIGTERM lets the broker shut down cleanly, so the next start skips log recovery.
        ChildProcesses.destroyTree(process, 30);
        try {
            Files.deleteIfExists(dataDir.resolve(PID_FILE));
        } catch (IOException e) {
            // harmless: the next start checks whether that pid still runs
        }
        if (temporary) {
            ChildProcesses.deleteTree(dataDir);
        }
    }

    private String logTail() {
        return ChildProcesses.tail(dataDir.resolve("kafka.log"), 20) + "\n"
                + ChildProcesses.tail(dataDir.resolve("kafka-console.log"), 10);
    }

    /** For tests that simulate a crash. */
    Process process() {
        return process;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4000);
        try (Admin admin = Admin.create(config)) {
            Exception last = null;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Kafka exited with code " + process.exitValue() + "; "
                            + dataDir.resolve("kafka.log") + " ends with:\n" + logTail());
                }
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                            .nodes()
                            .get(4, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    last = e;
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while Kafka started", e);
                    }
                    sleep(200);
                }
            }
            throw new IllegalStateException(
                    "Kafka did not answer within " + START_TIMEOUT.toSeconds() + " s; " + dataDir.resolve("kafka.log")
                            + " ends with:\n" + logTail(),
                    last);
        }
    }

    private static void format(Path dir, Path config, Path log4j, String classpath) throws IOException {
        List<String> command = javaCommand(classpath, log4j, 256);
        command.addAll(List.of(
                "kafka.tools.StorageTool",
                "format",
                "--cluster-id",
                Uuid.randomUuid().toString(),
                "--config",
                config.toString(),
                "--ignore-formatted"));
        Path out = dir.resolve("kafka-format.log");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("formatting Kafka storage timed out");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting Kafka storage", e);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("formatting Kafka storage failed: " + Files.readString(out));
        }
    }

    private static List<String> javaCommand(String classpath, Path log4j, long maxHeapMb) {
        List<String> command = new ArrayList<>(List.of(
                ChildProcesses.javaExecutable(),
                "-Xmx" + maxHeapMb + "m",
                "-Xms" + Math.min(64, maxHeapMb) + "m",
                "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-cp",
                classpath));
        return command;
    }

    /** The broker's jars, the clients' jars it shares with compile scope, and this jar for {@link KafkaMain}. */
    private static String classpath() {
        List<String> entries = new ArrayList<>();
        entries.add(ChildProcesses.buildResource("kafka-classpath.txt"));
        entries.add(ChildProcesses.buildResource("kafka-client-classpath.txt"));
        try {
            entries.add(Path.of(KafkaMain.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return String.join(File.pathSeparator, entries);
    }

    private static Path writeConfig(Path dir, int clientPort, int controllerPort) throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        // A static quorum: the controller's address comes from this file on every start, so ports may change.
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("data").toString());
        // Topics are declared by the platform (partitions, retention, record size), never made up by the broker.
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "3");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // Workers' prediction consumers use a 3 s session (Kafka's floor is 6 s), so a killed worker's request
        // partitions move within seconds.
        p.setProperty("group.min.session.timeout.ms", "1000");
        p.setProperty("message.max.bytes", "41943040");
        p.setProperty("replica.fetch.max.bytes", "41943040");
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("log.cleaner.dedupe.buffer.size", Long.toString(8L * 1024 * 1024));
        Path file = dir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "written by io.aiaas.infra.KafkaServer on every start");
        }
        return file;
    }

    private static Path writeLog4jConfig(Path dir) throws IOException {
        String logFile = dir.resolve("kafka.log").toString().replace("\\", "/");
        String config = String.join(
                "\n",
                "status = warn",
                "appender.file.type = RollingFile",
                "appender.file.name = file",
                "appender.file.fileName = " + logFile,
                "appender.file.filePattern = " + logFile + ".%i",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = [%d] %p %m (%c)%n",
                "appender.file.policies.type = Policies",
                "appender.file.policies.size.type = SizeBasedTriggeringPolicy",
                "appender.file.policies.size.size = 20MB",
                "appender.file.strategy.type = DefaultRolloverStrategy",
                "appender.file.strategy.max = 3",
                "rootLogger.level = info",
                "rootLogger.appenderRef.file.ref = file",
                "logger.request.name = kafka.request.logger",
                "logger.request.level = warn",
                "logger.authorizer.name = kafka.authorizer.logger",
                "logger.authorizer.level = warn",
                "");
        Path file = dir.resolve("log4j2.properties");
        Files.writeString(file, config);
        return file;
    }

    /**
     * A broker left running by a JVM that was killed before {@link KafkaMain} noticed (or by an older build) holds the
     * ports and the log directory lock; stop it unless the JVM that started it still runs.
     */
    private static void stopOrphan(Path dir) throws IOException {
        Path pidFile = dir.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> old;
        try {
            old = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (NumberFormatException e) {
            old = Optional.empty();
        }
        old.filter(ProcessHandle::isAlive)
                .filter(p -> p.info()
                        .arguments()
                        .map(args -> List.of(args).contains(KafkaMain.class.getName()))
                        .orElse(false))
                .filter(p -> p.parent().map(parent -> parent.pid() == 1).orElse(true))
                .ifPresent(p -> {
                    LOG.info("stopping orphaned Kafka (pid " + p.pid() + ") left by a crash in " + dir);
                    p.destroy();
                    try {
                        p.onExit().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        p.destroyForcibly();
                    }
                });
        Files.deleteIfExists(pidFile);
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
