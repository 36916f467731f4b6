package io.aiaas.messaging.support;

import io.aiaas.infra.KafkaServer;
import io.aiaas.infra.PostgresServer;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.topic.TopicDeclarations;
import io.aiaas.messaging.topic.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.postgresql.ds.PGSimpleDataSource;

/** One real PostgreSQL and one real Kafka for all tests of this module, started on first use. */
public final class TestInfra {
    private static PostgresServer postgres;
    private static KafkaServer kafka;

    private TestInfra() {}

    public static synchronized PostgresServer postgres() {
        if (postgres == null) {
            postgres = PostgresServer.start(null, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close));
        }
        return postgres;
    }

    /** {@code host:port} of the shared broker (it stops with the JVM). */
    public static synchronized String kafka() {
        if (kafka == null) {
            kafka = KafkaServer.start(null, 0, 384);
        }
        return kafka.bootstrapServers();
    }

    public static KafkaSettings settings() {
        return new KafkaSettings(kafka());
    }

    public static PGSimpleDataSource dataSource() {
        PostgresServer pg = postgres();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(pg.jdbcUrl());
        ds.setUser(pg.username());
        ds.setPassword(pg.password());
        return ds;
    }

    /** A name no other test uses. */
    public static String unique(String prefix) {
        return prefix + "_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT);
    }

    /** Declares a topic of {@code partitions} partitions on {@code bootstrap}. */
    public static void declare(String bootstrap, String topic, int partitions) {
        try (Admin admin = Admin.create(new KafkaSettings(bootstrap).admin("test-admin"))) {
            TopicDeclarations.declare(
                    admin,
                    List.of(new TopicSpec(
                            topic,
                            partitions,
                            (short) 1,
                            Duration.ofHours(1),
                            false,
                            1024 * 1024,
                            Duration.ofHours(1))));
        }
    }
}
