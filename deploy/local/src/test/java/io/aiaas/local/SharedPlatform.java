package io.aiaas.local;

import io.aiaas.common.archive.SavedModelArchive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One packaged platform for the whole end-to-end test run, shared by every {@code *IT} class that extends with this
 * (each test makes its own tenant): starting PostgreSQL, Kafka, Keycloak and four services once, not per class, keeps
 * the run within its CI budget. It stops when the run ends. A test that stops or kills a part restarts it itself.
 */
public final class SharedPlatform implements BeforeAllCallback {
    private static PlatformRuntime platform;
    private static Path stateDir;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        get(context);
    }

    private static synchronized PlatformRuntime get(ExtensionContext context) throws Exception {
        if (platform == null) {
            Path repoRoot = Path.of(System.getProperty("aiaas.repo.root", "../.."))
                    .toAbsolutePath()
                    .normalize();
            stateDir = Files.createTempDirectory("aiaas-it");
            // Workers gather concurrent predictions for up to 10 ms (a lone client's requests never wait): on a CI
            // machine the 64 requests of the batching test reach the worker spread over more than one run's time, and
            // without a gather bound they met in 18 runs once. The product's default is 0 (docs/benchmarks.md says
            // why); operators who want fuller batches set the same variable.
            platform = PlatformRuntime.start(new PlatformRuntime.Options(
                    repoRoot, stateDir, false, "admin", true, Map.of("AIAAS_WORKER_PREDICT_MAX_DELAY", "10ms")));
            // Closed once the whole run is over, after the last class that uses it.
            context.getRoot()
                    .getStore(ExtensionContext.Namespace.GLOBAL)
                    .put(SharedPlatform.class.getName(), (ExtensionContext.Store.CloseableResource)
                            SharedPlatform::stop);
        }
        return platform;
    }

    /** The running platform (after this extension's {@code beforeAll}). */
    public static synchronized PlatformRuntime platform() {
        if (platform == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(SharedPlatform.class)");
        }
        return platform;
    }

    public static PlatformClient api() {
        return new PlatformClient(platform().gatewayUrl());
    }

    /** An administrator's access token (user {@code admin}). */
    public static String adminToken() throws Exception {
        return PlatformClient.passwordGrant(platform().oidcUrl(), "admin", "admin");
    }

    private static synchronized void stop() {
        if (platform != null) {
            platform.close();
            platform = null;
        }
        SavedModelArchive.deleteTree(stateDir);
    }
}
