package io.aiaas.infra.testing;

import io.aiaas.infra.KafkaServer;
import io.aiaas.infra.KeycloakServer;
import io.aiaas.infra.PostgresServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Real PostgreSQL, Kafka and Keycloak for {@code @QuarkusTest}s, each started at most once per JVM.
 *
 * <pre>{@code
 * @QuarkusTestResource(value = InfraTestResource.class, initArgs = {
 *         @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
 * }</pre>
 *
 * <p>Quarkus may stop and start the application between test classes; the servers outlive that and stop when the
 * JVM ends. {@link #stop()} therefore does nothing.
 */
public class InfraTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String POSTGRES = "postgres";
    public static final String KAFKA = "kafka";
    public static final String KEYCLOAK = "keycloak";

    /** Password of the realm's {@code admin} user in tests. */
    public static final String ADMIN_PASSWORD = "admin";
    /** Secret of the confidential client {@code aiaas-platform} in tests. */
    public static final String PLATFORM_CLIENT_SECRET = "test-platform-secret";

    private static final long KAFKA_HEAP_MB = 384;

    /*
     * Once per JVM, not per copy of this class: Quarkus may load this library in several class loaders (one per
     * application start), each with its own statics. The copy that starts a server records its address in a system
     * property; other copies attach to it. The lock is an interned string, the same object for every class loader.
     */
    private static final Object JVM_LOCK = "io.aiaas.infra.testing.InfraTestResource.lock".intern();
    private static final String POSTGRES_PORT = "aiaas.infra.test.postgres.port";
    private static final String KAFKA_BOOTSTRAP = "aiaas.infra.test.kafka.bootstrap";
    private static final String KEYCLOAK_PORT = "aiaas.infra.test.keycloak.port";

    private static volatile PostgresServer postgres;
    private static volatile KafkaServer kafka;
    private static volatile KeycloakServer keycloak;
    private static boolean hookInstalled;

    private Map<String, String> initArgs = Map.of();

    @Override
    public void init(Map<String, String> initArgs) {
        this.initArgs = initArgs == null ? Map.of() : Map.copyOf(initArgs);
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        if (wanted(POSTGRES)) {
            PostgresServer pg = postgres();
            config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl());
            config.put("quarkus.datasource.username", pg.username());
            config.put("quarkus.datasource.password", pg.password());
        }
        if (wanted(KAFKA)) {
            config.put("kafka.bootstrap.servers", kafkaBootstrap());
        }
        if (wanted(KEYCLOAK)) {
            config.put("quarkus.oidc.auth-server-url", keycloak().realmUrl());
        }
        return config;
    }

    @Override
    public void stop() {
        // The servers are shared by every test class of this JVM; the shutdown hook stops them.
    }

    private boolean wanted(String name) {
        return Boolean.parseBoolean(initArgs.getOrDefault(name, "false"));
    }

    /** The JVM's PostgreSQL, started on first use. */
    public static PostgresServer postgres() {
        synchronized (JVM_LOCK) {
            if (postgres == null) {
                String port = System.getProperty(POSTGRES_PORT);
                if (port != null) {
                    postgres = PostgresServer.attach(Integer.parseInt(port));
                } else {
                    installShutdownHook();
                    postgres = PostgresServer.start(null, 0);
                    System.setProperty(POSTGRES_PORT, Integer.toString(postgres.port()));
                }
            }
            return postgres;
        }
    }

    /** {@code host:port} of the JVM's Kafka broker, started on first use. */
    public static String kafkaBootstrap() {
        synchronized (JVM_LOCK) {
            String bootstrap = System.getProperty(KAFKA_BOOTSTRAP);
            if (bootstrap == null) {
                installShutdownHook();
                kafka = KafkaServer.start(null, 0, KAFKA_HEAP_MB);
                bootstrap = kafka.bootstrapServers();
                System.setProperty(KAFKA_BOOTSTRAP, bootstrap);
            }
            return bootstrap;
        }
    }

    /** The JVM's Keycloak with realm {@code aiaas} and the test users, started on first use. */
    public static KeycloakServer keycloak() {
        synchronized (JVM_LOCK) {
            if (keycloak == null) {
                String port = System.getProperty(KEYCLOAK_PORT);
                if (port != null) {
                    keycloak = KeycloakServer.attach(Integer.parseInt(port));
                } else {
                    installShutdownHook();
                    // No work dir: a temporary one, deleted when the JVM ends.
                    keycloak = KeycloakServer.start(new KeycloakServer.Options()
                            .port(0)
                            .adminPassword(ADMIN_PASSWORD)
                            .platformClientSecret(PLATFORM_CLIENT_SECRET)
                            .testUsers(true));
                    System.setProperty(KEYCLOAK_PORT, Integer.toString(keycloak.port()));
                }
            }
            return keycloak;
        }
    }

    private static void installShutdownHook() {
        if (hookInstalled) {
            return;
        }
        hookInstalled = true;
        Runtime.getRuntime().addShutdownHook(new Thread(InfraTestResource::stopAll, "aiaas-infra-test-shutdown"));
    }

    private static void stopAll() {
        // Each close is independent: one failing must not leave the others running.
        if (keycloak != null) {
            runQuietly(keycloak::close);
        }
        if (kafka != null) {
            runQuietly(kafka::close);
        }
        if (postgres != null) {
            runQuietly(postgres::close);
        }
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            System.err.println("stopping test infrastructure: " + e);
        }
    }
}
