package io.aiaas.model.support;

import io.aiaas.infra.fixtures.DenseSavedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A SavedModel exported with TensorFlow Java, once per JVM. */
public final class DenseModels {
    /** y = x·W + b with W 3×2: input x FP32 [-1, 3], output y FP32 [-1, 2]. */
    public static final float[][] WEIGHTS = {{1f, 0f}, {0f, 1f}, {1f, 1f}};

    public static final float[] BIAS = {0.5f, -0.5f};

    private static Path dense;

    private DenseModels() {}

    public static synchronized Path dense() {
        if (dense == null) {
            try {
                Path dir = Files.createTempDirectory("aiaas-dense-").resolve("model");
                DenseSavedModel.export(dir, WEIGHTS, BIAS);
                dense = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dense;
    }
}
