package io.aiaas.model.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** The Python-exported SavedModel of the shared test data. */
public final class TestModels {
    private TestModels() {}

    /**
     * The Python-exported SavedModel ({@code $AIAAS_TESTDATA/python-savedmodel}, default
     * {@code ../shared/testdata/python-savedmodel} from the repository root), or a loud skip where it is absent.
     */
    public static Path pythonOrSkip() {
        Optional<Path> found = python();
        if (found.isEmpty()) {
            System.out.println("SKIPPED: the Python-exported SavedModel is absent (set AIAAS_TESTDATA or provide "
                    + "../shared/testdata/python-savedmodel); tests that need it do not run.");
        }
        Assumptions.assumeTrue(found.isPresent(), "python-savedmodel test data absent");
        return found.get();
    }

    public static Optional<Path> python() {
        // surefire runs in model-service/; an IDE may run from the repository root
        Path cwd = Path.of("").toAbsolutePath();
        Path repoRoot = Files.isDirectory(cwd.resolve("model-service")) ? cwd : cwd.getParent();
        String env = System.getenv("AIAAS_TESTDATA");
        Path testdata = repoRoot.resolve(env != null && !env.isBlank() ? env : "../shared/testdata");
        Path candidate = testdata.resolve("python-savedmodel").normalize();
        return Files.isRegularFile(candidate.resolve("saved_model.pb")) ? Optional.of(candidate) : Optional.empty();
    }
}
