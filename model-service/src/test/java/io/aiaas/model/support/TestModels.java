package io.aiaas.model.support;

import io.aiaas.infra.testing.SharedTestData;
import java.nio.file.Path;

/** The Python-exported SavedModel of the shared test data. */
public final class TestModels {
    private TestModels() {}

    /**
     * The Python-exported SavedModel ({@code $AIAAS_TESTDATA/python-savedmodel}, default
     * {@code ../shared/testdata/python-savedmodel} from the repository root): absent, a loud skip, or a failure under
     * {@code CI=true}.
     */
    public static Path pythonOrSkip() {
        return SharedTestData.requirePythonSavedModel();
    }
}
