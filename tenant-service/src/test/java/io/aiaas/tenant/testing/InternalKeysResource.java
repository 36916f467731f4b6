package io.aiaas.tenant.testing;

import io.aiaas.common.auth.InternalKeyFiles;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Makes the internal-token key files in a temp folder, as the launcher does, and points the service at the JWKS. */
public class InternalKeysResource implements QuarkusTestResourceLifecycleManager {
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("aiaas-tenant-keys-");
            InternalKeyFiles files = InternalKeyFiles.ensure(dir);
            return Map.of("aiaas.tenant.auth.jwks-file", files.jwks().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder
        }
    }
}
