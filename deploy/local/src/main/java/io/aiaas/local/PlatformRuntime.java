package io.aiaas.local;

import io.aiaas.common.auth.InternalKeyFiles;
import io.aiaas.common.id.Ids;
import io.aiaas.infra.KafkaServer;
import io.aiaas.infra.KeycloakServer;
import io.aiaas.infra.PostgresServer;
import io.aiaas.local.ServiceProcess.Service;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole platform on one machine: embedded PostgreSQL, Kafka and Keycloak (each replaced by an external one when
 * its {@code AIAAS_*} address is set) and the four packaged services as child processes. Used by the local launcher
 * and by the end-to-end tests, so both run the platform the same way.
 */
public final class PlatformRuntime implements AutoCloseable {
    /** The file, under the state directory's {@code secrets}, with the Keycloak platform client's secret. */
    static final String PLATFORM_CLIENT_SECRET = "keycloak-platform-client-secret";

    /**
     * @param repoRoot the checkout, where the packaged services are
     * @param stateDir where data, secrets and logs live
     * @param fixedPorts the contract's ports (8080–8083, 9092, 8180, 5432 if free) rather than free ones
     * @param keycloakTestUsers also create the {@code no-role} user
     * @param env where {@code AIAAS_*} overrides are read
     */
    public record Options(
            Path repoRoot,
            Path stateDir,
            boolean fixedPorts,
            String adminPassword,
            boolean keycloakTestUsers,
            Map<String, String> env) {}

    private final Options options;
    private final List<AutoCloseable> infrastructure = new ArrayList<>();
    private final Map<Service, ServiceProcess> services = new EnumMap<>(Service.class);
    private final Map<Service, Integer> ports = new EnumMap<>(Service.class);
    private final Map<String, String> serviceEnv = new HashMap<>();
    private KeycloakServer keycloak;
    private PostgresServer postgres;
    private String oidcUrl;
    private int replicas;

    private PlatformRuntime(Options options) {
        this.options = options;
    }

    public static PlatformRuntime start(Options options) throws Exception {
        PlatformRuntime runtime = new PlatformRuntime(options);
        try {
            runtime.startInfrastructure();
            for (Service s : Service.values()) {
                runtime.ports.put(s, runtime.port(s.defaultPort()));
            }
            runtime.serviceEnv.put("AIAAS_TENANT_SERVICE_URL", "http://127.0.0.1:" + runtime.ports.get(Service.TENANT));
            runtime.serviceEnv.put("AIAAS_MODEL_SERVICE_URL", "http://127.0.0.1:" + runtime.ports.get(Service.MODEL));
            for (Service s : Service.values()) {
                runtime.startService(s, false);
            }
            for (Service s : Service.values()) {
                runtime.services.get(s).awaitReady(Duration.ofSeconds(180));
            }
            return runtime;
        } catch (Exception | Error e) {
            runtime.close();
            throw e;
        }
    }

    private void startInfrastructure() throws Exception {
        Path state = options.stateDir();
        Files.createDirectories(state);
        Map<String, String> env = options.env();

        Optional<String> dbUrl = configured("AIAAS_DB_URL");
        if (dbUrl.isPresent()) {
            serviceEnv.put("AIAAS_DB_URL", dbUrl.get());
            configured("AIAAS_DB_USERNAME").ifPresent(v -> serviceEnv.put("AIAAS_DB_USERNAME", v));
            configured("AIAAS_DB_PASSWORD").ifPresent(v -> serviceEnv.put("AIAAS_DB_PASSWORD", v));
        } else {
            log("starting PostgreSQL");
            PostgresServer pg = PostgresServer.start(state.resolve("postgres"), port(5432));
            infrastructure.add(0, pg);
            postgres = pg;
            serviceEnv.put("AIAAS_DB_URL", pg.jdbcUrl());
            serviceEnv.put("AIAAS_DB_USERNAME", pg.username());
            serviceEnv.put("AIAAS_DB_PASSWORD", pg.password());
        }

        Optional<String> kafkaBootstrap = configured("AIAAS_KAFKA_BOOTSTRAP");
        if (kafkaBootstrap.isPresent()) {
            serviceEnv.put("AIAAS_KAFKA_BOOTSTRAP", kafkaBootstrap.get());
        } else {
            log("starting Kafka");
            KafkaServer kafka = KafkaServer.start(state.resolve("kafka"), port(9092), 512);
            infrastructure.add(0, kafka);
            serviceEnv.put("AIAAS_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
        }

        Optional<String> oidc = configured("AIAAS_OIDC_URL");
        if (oidc.isPresent()) {
            oidcUrl = oidc.get();
        } else {
            log("starting Keycloak (20–60 s)");
            // tenant-service provisions tenant owners with the platform client's service account; the secret stays in
            // its file.
            serviceEnv.put(
                    "AIAAS_KEYCLOAK_CLIENT_SECRET_FILE",
                    state.resolve("secrets").resolve(PLATFORM_CLIENT_SECRET).toString());
            keycloak = KeycloakServer.start(new KeycloakServer.Options()
                    .port(port(8180))
                    .adminPassword(options.adminPassword())
                    .platformClientSecret(secret(state.resolve("secrets"), PLATFORM_CLIENT_SECRET))
                    .testUsers(options.keycloakTestUsers())
                    .workDir(state.resolve("keycloak")));
            infrastructure.add(0, keycloak);
            oidcUrl = keycloak.realmUrl();
        }
        serviceEnv.put("AIAAS_OIDC_URL", oidcUrl);

        InternalKeyFiles keys = InternalKeyFiles.ensure(state.resolve("secrets"));
        serviceEnv.put("AIAAS_INTERNAL_JWKS_FILE", keys.jwks().toString());
        serviceEnv.put("AIAAS_GATEWAY_SIGNING_KEY_FILE", keys.gatewayKey().toString());
        serviceEnv.put("AIAAS_WORKER_SIGNING_KEY_FILE", keys.workerKey().toString());
        serviceEnv.put(
                "AIAAS_MODEL_SERVICE_SIGNING_KEY_FILE", keys.modelServiceKey().toString());
        Path artifacts = Files.createDirectories(state.resolve("artifacts"));
        serviceEnv.put("AIAAS_ARTIFACT_DIR", artifacts.toString());
        serviceEnv.put(
                "AIAAS_WORKER_CACHE_DIR",
                Files.createDirectories(state.resolve("worker-cache")).toString());
        env.forEach((k, v) -> {
            // Anything else the operator set for the services (rates, limits) passes through.
            if ((k.startsWith("AIAAS_") || k.startsWith("QUARKUS_")) && !serviceEnv.containsKey(k)) {
                serviceEnv.put(k, v);
            }
        });
    }

    private Optional<String> configured(String name) {
        String value = options.env().get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    /** A per-installation secret kept in a file readable by the owner only; made on first use. */
    static String secret(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            Files.writeString(file, Ids.randomBase62(40), StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not POSIX
            }
        }
        return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }

    private int port(int preferred) throws IOException {
        if (options.fixedPorts()) {
            if (preferred == 5432 && !isFree(5432)) {
                return freePort(); // an installed PostgreSQL may own 5432; the contract allows any free port
            }
            if (!isFree(preferred)) {
                throw new IllegalStateException("port " + preferred + " is in use: stop what holds it first");
            }
            return preferred;
        }
        return freePort();
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Starts (or restarts) one service; with {@code await}, until it is ready. */
    public void startService(Service service, boolean await) throws IOException, InterruptedException {
        ServiceProcess old = services.remove(service);
        if (old != null) {
            old.close();
        }
        log("starting " + service.module() + " on port " + ports.get(service));
        ServiceProcess process = ServiceProcess.start(
                options.repoRoot(),
                service,
                ports.get(service),
                envOf(service, service.module()),
                options.stateDir().resolve("logs"));
        services.put(service, process);
        PidFiles.record(options.stateDir(), service.module(), process.pid());
        if (await) {
            process.awaitReady(Duration.ofSeconds(180));
        }
    }

    /**
     * The services' environment; each worker process gets its own id ({@code AIAAS_WORKER_ID}), the same across its
     * restarts, so that a restarted worker fences its predecessor and takes over its leases.
     */
    private Map<String, String> envOf(Service service, String name) {
        if (service != Service.WORKER) {
            return serviceEnv;
        }
        Map<String, String> env = new HashMap<>(serviceEnv);
        String operatorsId = serviceEnv.get("AIAAS_WORKER_ID");
        boolean first = name.equals(service.module());
        env.put("AIAAS_WORKER_ID", first && operatorsId != null ? operatorsId : "local-" + name);
        return env;
    }

    /**
     * Starts one more replica of {@code service} on a free port, with the same configuration as the first, and waits
     * until it is ready. The caller owns it: closing it stops it, and nothing else.
     */
    public ServiceProcess startReplica(Service service) throws IOException, InterruptedException {
        String name;
        synchronized (this) {
            name = service.module() + "-replica-" + (++replicas);
        }
        return startReplica(service, name, service.heapMb(), Map.of());
    }

    /**
     * As {@link #startReplica(Service)}, named {@code name} (a worker's id follows its name: starting a worker again
     * under a name it had is that worker restarting), with a heap of {@code heapMb} MiB and {@code overrides} added to
     * its environment.
     */
    public ServiceProcess startReplica(Service service, String name, int heapMb, Map<String, String> overrides)
            throws IOException, InterruptedException {
        log("starting " + name);
        Map<String, String> env = new HashMap<>(envOf(service, name));
        env.putAll(overrides);
        ServiceProcess process = ServiceProcess.start(
                options.repoRoot(),
                service,
                name,
                freePort(),
                heapMb,
                env,
                options.stateDir().resolve("logs"));
        try {
            process.awaitReady(Duration.ofSeconds(180));
        } catch (RuntimeException | InterruptedException e) {
            process.close();
            throw e;
        }
        return process;
    }

    /** The embedded PostgreSQL, unless an external database was configured. */
    public Optional<PostgresServer> postgres() {
        return Optional.ofNullable(postgres);
    }

    /** Stops one service as an operator would (SIGTERM). */
    public void stopService(Service service) {
        ServiceProcess process = services.remove(service);
        if (process != null) {
            process.close();
            PidFiles.forget(options.stateDir(), service.module());
        }
    }

    public ServiceProcess service(Service service) {
        return services.get(service);
    }

    public String gatewayUrl() {
        return "http://127.0.0.1:" + ports.get(Service.GATEWAY);
    }

    public String oidcUrl() {
        return oidcUrl;
    }

    /** The Kafka bootstrap servers the services use. */
    public String kafkaBootstrap() {
        return serviceEnv.get("AIAAS_KAFKA_BOOTSTRAP");
    }

    public Path stateDir() {
        return options.stateDir();
    }

    public Optional<KeycloakServer> keycloak() {
        return Optional.ofNullable(keycloak);
    }

    @Override
    public void close() {
        for (Service s : List.of(Service.GATEWAY, Service.WORKER, Service.MODEL, Service.TENANT)) {
            stopService(s);
        }
        for (AutoCloseable part : infrastructure) {
            try {
                part.close();
            } catch (Exception e) {
                log("could not stop " + part.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        infrastructure.clear();
    }

    static void log(String message) {
        System.err.println("[aiaas] " + message);
    }
}
