package io.aiaas.worker.testing;

import io.aiaas.infra.testing.SharedTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Models and archives the worker's tests use, made here rather than downloaded. */
public final class TestModels {
    private TestModels() {}

    /**
     * The Python-exported SavedModel of the workplace: absent, a loud skip, or a failure under {@code CI=true}
     * ({@link SharedTestData}).
     */
    public static Path pythonSavedModel() {
        return SharedTestData.requirePythonSavedModel();
    }

    /** x·W + b computed in plain Java. */
    public static float[][] dense(float[][] x, float[][] weights, float[] bias) {
        float[][] y = new float[x.length][bias.length];
        for (int r = 0; r < x.length; r++) {
            for (int o = 0; o < bias.length; o++) {
                float sum = bias[o];
                for (int i = 0; i < weights.length; i++) {
                    sum += x[r][i] * weights[i][o];
                }
                y[r][o] = sum;
            }
        }
        return y;
    }

    /** The directory packed as a zip, its files at the root. */
    public static byte[] zip(Path dir) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes);
                Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new ZipEntry(dir.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
