package io.aiaas.infra.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

class InfraTestResourceTest {

    @Test
    void startsWhatIsAskedOncePerJvmEvenAcrossClassLoaders() throws Exception {
        InfraTestResource first = new InfraTestResource();
        first.init(Map.of("postgres", "true", "kafka", "true"));
        Map<String, String> config = first.start();
        assertEquals(
                java.util.Set.of(
                        "quarkus.datasource.jdbc.url",
                        "quarkus.datasource.username",
                        "quarkus.datasource.password",
                        "kafka.bootstrap.servers"),
                config.keySet());

        try (Connection c = DriverManager.getConnection(
                        config.get("quarkus.datasource.jdbc.url"),
                        config.get("quarkus.datasource.username"),
                        config.get("quarkus.datasource.password"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_database()")) {
            assertTrue(rs.next());
            assertEquals("aiaas", rs.getString(1));
        }
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.get("kafka.bootstrap.servers")))) {
            assertEquals(1, admin.describeCluster().nodes().get().size());
        }

        InfraTestResource second = new InfraTestResource();
        second.init(Map.of("postgres", "true", "kafka", "true"));
        assertEquals(config, second.start(), "the second test class gets the same servers");

        // Quarkus may load this library again in another class loader: that copy must not start new servers.
        URL[] classpath = java.util.Arrays.stream(
                        System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> {
                    try {
                        return Path.of(p).toUri().toURL();
                    } catch (java.net.MalformedURLException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toArray(URL[]::new);
        try (URLClassLoader other = new URLClassLoader(classpath, ClassLoader.getPlatformClassLoader())) {
            Class<?> copy = other.loadClass(InfraTestResource.class.getName());
            assertNotSame(InfraTestResource.class, copy);
            Object resource = copy.getConstructor().newInstance();
            copy.getMethod("init", Map.class).invoke(resource, Map.of("postgres", "true", "kafka", "true"));
            assertEquals(config, copy.getMethod("start").invoke(resource));
        }
    }
}
