package io.aiaas.bench;

import io.aiaas.infra.fixtures.DenseSavedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * A dense classifier the benchmarks export as a SavedModel ({@link DenseSavedModel}: {@code serving_default}, input
 * {@code x} FP32 {@code [-1, widths[0]]}, output {@code y} FP32 softmax {@code [-1, widths[last]]}), with
 * He-initialised weights from {@code seed}: the same widths and seed make the same model.
 */
record DenseClassifier(int[] widths, long seed) {
    /** The seed's MNIST classifier: 784 → dense 64 ReLU → dense 64 ReLU → dense 10 softmax. */
    static final int[] SEED_MLP = {784, 64, 64, 10};

    DenseClassifier {
        if (widths.length < 2) {
            throw new IllegalArgumentException("a classifier needs an input and an output width");
        }
        widths = widths.clone();
    }

    int features() {
        return widths[0];
    }

    int classes() {
        return widths[widths.length - 1];
    }

    /** "784-64-64-10". */
    String shape() {
        return Arrays.stream(widths).mapToObj(Integer::toString).collect(Collectors.joining("-"));
    }

    /** Weights and biases as floats. */
    long parameters() {
        long n = 0;
        for (int l = 1; l < widths.length; l++) {
            n += (long) widths[l - 1] * widths[l] + widths[l];
        }
        return n;
    }

    DenseClassifier withSeed(long other) {
        return new DenseClassifier(widths, other);
    }

    void export(Path dir) {
        DenseSavedModel.exportLayers(dir, weights(widths, seed), biases(widths, seed), true);
    }

    /** Weights of each layer: Gaussian scaled by √(2 / fan-in) (He initialisation), from {@code seed}. */
    static List<float[][]> weights(int[] widths, long seed) {
        Random random = new Random(seed);
        List<float[][]> layers = new ArrayList<>();
        for (int l = 1; l < widths.length; l++) {
            int in = widths[l - 1];
            float scale = (float) Math.sqrt(2.0 / in);
            float[][] w = new float[in][widths[l]];
            for (float[] row : w) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) random.nextGaussian() * scale;
                }
            }
            layers.add(w);
        }
        return layers;
    }

    /** Small biases, so that the export's bias terms are not all zero. */
    static List<float[]> biases(int[] widths, long seed) {
        Random random = new Random(~seed);
        List<float[]> layers = new ArrayList<>();
        for (int l = 1; l < widths.length; l++) {
            float[] b = new float[widths[l]];
            for (int j = 0; j < b.length; j++) {
                b[j] = (float) random.nextGaussian() * 0.05f;
            }
            layers.add(b);
        }
        return layers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenseClassifier other && seed == other.seed && Arrays.equals(widths, other.widths);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths) * 31 + Long.hashCode(seed);
    }

    @Override
    public String toString() {
        return shape() + " (seed " + seed + ")";
    }
}
