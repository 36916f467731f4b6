package io.aiaas.infra.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;

/**
 * The test data of the workplace that tests cannot make themselves: the SavedModel exported by Python TensorFlow, in
 * {@code $AIAAS_TESTDATA/python-savedmodel} (a relative {@code AIAAS_TESTDATA} counts from the repository root;
 * default {@code ../shared/testdata}). Where it is absent a test says {@code SKIPPED:} loudly and is skipped, except
 * under {@code CI=true}: there a missing file is a failure, so a CI run can never pass by skipping silently.
 */
public final class SharedTestData {
    public static final String ENV = "AIAAS_TESTDATA";
    public static final String PYTHON_SAVED_MODEL = "python-savedmodel";

    private SharedTestData() {}

    /** The Python-exported SavedModel's directory, if present. */
    public static Optional<Path> pythonSavedModel() {
        return pythonSavedModel(System::getenv);
    }

    static Optional<Path> pythonSavedModel(UnaryOperator<String> env) {
        Path candidate = pythonSavedModelPlace(env);
        return Files.isRegularFile(candidate.resolve("saved_model.pb")) ? Optional.of(candidate) : Optional.empty();
    }

    /**
     * The Python-exported SavedModel's directory, for a test that needs it: absent, the test fails under
     * {@code CI=true} and is skipped (with a {@code SKIPPED:} line) otherwise.
     */
    public static Path requirePythonSavedModel() {
        return requirePythonSavedModel(System::getenv);
    }

    static Path requirePythonSavedModel(UnaryOperator<String> env) {
        Optional<Path> found = pythonSavedModel(env);
        if (found.isPresent()) {
            return found.get();
        }
        String where =
                pythonSavedModelPlace(env) + " (set " + ENV + " to the folder holding " + PYTHON_SAVED_MODEL + ")";
        if ("true".equalsIgnoreCase(env.apply("CI"))) {
            throw new AssertionError("CI=true and the Python-exported SavedModel is absent at " + where
                    + ": tests that need it must run in CI");
        }
        System.out.println(
                "SKIPPED: the Python-exported SavedModel is absent at " + where + "; tests that need it do not run");
        Assumptions.abort("python-savedmodel absent at " + where);
        throw new AssertionError("unreachable");
    }

    static Path pythonSavedModelPlace(UnaryOperator<String> env) {
        Path root = repositoryRoot();
        String dir = env.apply(ENV);
        Path testdata = dir != null && !dir.isBlank() ? root.resolve(dir) : root.resolve("../shared/testdata");
        return testdata.resolve(PYTHON_SAVED_MODEL).toAbsolutePath().normalize();
    }

    /** The repository root: the nearest folder up from here that holds the Maven wrapper. */
    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isDirectory(d.resolve(".mvn"))) {
                return d;
            }
        }
        return dir;
    }
}
