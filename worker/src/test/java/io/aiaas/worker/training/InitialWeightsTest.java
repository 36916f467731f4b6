package io.aiaas.worker.training;

import static io.aiaas.worker.training.TrainingFixtures.adam;
import static io.aiaas.worker.training.TrainingFixtures.dense;
import static io.aiaas.worker.training.TrainingFixtures.flat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Conv2d;
import io.aiaas.common.training.TrainingPlan.Flatten;
import io.aiaas.common.training.TrainingPlan.Loss;
import io.aiaas.common.training.TrainingPlan.Padding;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kernels start Glorot-uniform as in Keras: both signs, within ±sqrt(6 / (fanIn + fanOut)), variance 2 / (fanIn +
 * fanOut); biases at 0; the same seed gives the same weights.
 */
class InitialWeightsTest {

    private static void assertGlorot(float[] kernel, int fanIn, int fanOut) {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double sum = 0;
        double squares = 0;
        for (float w : kernel) {
            min = Math.min(min, w);
            max = Math.max(max, w);
            sum += w;
            squares += (double) w * w;
        }
        assertTrue(min < -0.9 * limit && max > 0.9 * limit, "both signs, spread to the limit: " + min + ", " + max);
        assertTrue(-min <= (float) limit && max <= (float) limit, "within ±" + limit + ": " + min + ", " + max);
        double mean = sum / kernel.length;
        double variance = squares / kernel.length - mean * mean;
        double glorot = 2.0 / (fanIn + fanOut);
        assertEquals(glorot, variance, 0.1 * glorot, "variance");
        assertEquals(0, mean, 3 * Math.sqrt(glorot / kernel.length), "mean");
    }

    private static TrainingPlan dense100To200To10() {
        return flat(
                100,
                List.of(dense(200, Activation.RELU), dense(10, Activation.SOFTMAX)),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                adam(0.001),
                1,
                32,
                0,
                5);
    }

    @Test
    void denseKernelsAreGlorotUniformAndBiasesZero() {
        try (NetworkGraph graph = NetworkGraph.training(dense100To200To10())) {
            List<float[]> values = graph.initialValues(5);
            assertGlorot(values.get(0), 100, 200);
            assertGlorot(values.get(2), 200, 10);
            assertArrayEquals(new float[200], values.get(1));
            assertArrayEquals(new float[10], values.get(3));
        }
    }

    @Test
    void convolutionKernelsCountTheKernelAreaInTheirFans() {
        TrainingPlan plan = new TrainingPlan(
                8 * 8 * 3,
                List.of(8, 8, 3),
                List.of(
                        new Conv2d(16, 5, 5, 1, 1, Padding.SAME, Activation.RELU),
                        new Flatten(),
                        dense(2, Activation.SOFTMAX)),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                adam(0.001),
                1,
                32,
                0,
                5,
                true,
                100);
        try (NetworkGraph graph = NetworkGraph.training(plan)) {
            float[] kernel = graph.initialValues(5).get(0);
            assertEquals(5 * 5 * 3 * 16, kernel.length);
            assertGlorot(kernel, 5 * 5 * 3, 5 * 5 * 16);
        }
    }

    @Test
    void theSeedDecidesTheWeights() {
        try (NetworkGraph graph = NetworkGraph.training(dense100To200To10())) {
            assertArrayEquals(
                    graph.initialValues(1).get(0), graph.initialValues(1).get(0));
            assertFalse(Arrays.equals(
                    graph.initialValues(1).get(0), graph.initialValues(2).get(0)));
        }
    }
}
