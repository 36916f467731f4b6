package io.aiaas.model.support;

import io.aiaas.common.auth.InternalKeyFiles;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Key files of internal tokens (as the launcher makes them) and a fresh artifact directory, once per JVM: the service
 * trusts the JWKS, tests sign as the gateway and the workers do ({@link Tokens}).
 */
public class InternalKeysTestResource implements QuarkusTestResourceLifecycleManager {
    /**
     * Fixed places under {@code target/}: the test classes and this resource may live in different class loaders,
     * so they meet on the file system rather than in a static field. Existing keys are kept.
     */
    public static synchronized InternalKeyFiles keyFiles() {
        try {
            return InternalKeyFiles.ensure(Path.of("target/test-internal-keys").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path artifactDir() {
        try {
            return Files.createDirectories(Path.of("target/test-artifacts").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> start() {
        return Map.of(
                "aiaas.model.auth.jwks-file", keyFiles().jwks().toString(),
                "aiaas.model.artifact-dir", artifactDir().toString());
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; temp files go with the JVM's temp directory
    }
}
