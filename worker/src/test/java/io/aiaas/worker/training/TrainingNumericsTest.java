package io.aiaas.worker.training;

import static io.aiaas.worker.training.TrainingFixtures.adam;
import static io.aiaas.worker.training.TrainingFixtures.dense;
import static io.aiaas.worker.training.TrainingFixtures.flat;
import static io.aiaas.worker.training.TrainingFixtures.sgd;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Loss;
import io.aiaas.worker.training.NetworkGraph.BatchMetrics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * One optimizer step of TensorFlow against the same step by hand: forward pass, loss, backpropagation and update,
 * computed here in double. A loss or gradient that the graph got wrong (a broken fused cross-entropy, a missing
 * gradient, an update racing the backward pass) shows as different numbers.
 */
class TrainingNumericsTest {
    /** 4 rows of 3 features; some hidden units are off for some rows, so ReLU's gradient matters. */
    private static final float[] X = {0.5f, -1.0f, 2.0f, 1.5f, 0.3f, -0.7f, -0.2f, 0.8f, 0.1f, 1.0f, 1.0f, -1.5f};

    private static final long[] Y = {1, 0, 1, 0};
    private static final float[] W1 = {0.2f, -0.5f, 0.1f, 0.7f, -0.3f, 0.4f, 0.6f, -0.1f, 0.5f, 0.2f, -0.4f, 0.3f};
    private static final float[] B1 = {0.1f, -0.2f, 0.05f, 0f};
    private static final float[] W2 = {0.3f, -0.6f, -0.2f, 0.5f, 0.7f, 0.1f, -0.4f, 0.2f};
    private static final float[] B2 = {0.05f, -0.05f};
    private static final double TOLERANCE = 1e-5;

    private static TrainingPlan plan(TrainingPlan.Optimizer optimizer) {
        return flat(
                3,
                List.of(dense(4, Activation.RELU), dense(2, Activation.SOFTMAX)),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                optimizer,
                1,
                4,
                0,
                1);
    }

    /** Loss and gradients of the 3-4-2 network by hand: {loss, dW1, dB1, dW2, dB2} (the loss as a 1-array). */
    private static List<double[]> handGradients() {
        int rows = 4;
        double loss = 0;
        double[] dW1 = new double[12];
        double[] dB1 = new double[4];
        double[] dW2 = new double[8];
        double[] dB2 = new double[2];
        for (int r = 0; r < rows; r++) {
            double[] z1 = new double[4];
            double[] h = new double[4];
            for (int j = 0; j < 4; j++) {
                z1[j] = B1[j];
                for (int i = 0; i < 3; i++) {
                    z1[j] += X[r * 3 + i] * W1[i * 4 + j];
                }
                h[j] = Math.max(0, z1[j]);
            }
            double[] z2 = new double[2];
            for (int k = 0; k < 2; k++) {
                z2[k] = B2[k];
                for (int j = 0; j < 4; j++) {
                    z2[k] += h[j] * W2[j * 2 + k];
                }
            }
            double[] p = TrainingFixtures.activate(z2, Activation.SOFTMAX);
            loss += -Math.log(p[(int) Y[r]]) / rows;
            double[] dz2 = new double[2];
            for (int k = 0; k < 2; k++) {
                dz2[k] = (p[k] - (k == Y[r] ? 1 : 0)) / rows;
                dB2[k] += dz2[k];
                for (int j = 0; j < 4; j++) {
                    dW2[j * 2 + k] += h[j] * dz2[k];
                }
            }
            for (int j = 0; j < 4; j++) {
                double dh = 0;
                for (int k = 0; k < 2; k++) {
                    dh += dz2[k] * W2[j * 2 + k];
                }
                double dz1 = z1[j] > 0 ? dh : 0;
                dB1[j] += dz1;
                for (int i = 0; i < 3; i++) {
                    dW1[i * 4 + j] += X[r * 3 + i] * dz1;
                }
            }
        }
        return List.of(new double[] {loss}, dW1, dB1, dW2, dB2);
    }

    /** Runs one step from the fixed weights; answers the batch metrics and every variable after the step. */
    private static BatchMetrics step(NetworkGraph graph, List<float[]> start, List<float[]> after) {
        try (Session session = graph.openSession(1);
                TFloat32 x = TFloat32.tensorOf(Shape.of(4, 3), DataBuffers.of(X));
                TInt64 y = TInt64.tensorOf(Shape.of(4), DataBuffers.of(Y))) {
            graph.assign(session, start);
            BatchMetrics metrics = graph.trainStep(session, x, y, null);
            after.addAll(graph.read(session));
            return metrics;
        }
    }

    private static List<float[]> startingValues(NetworkGraph graph) {
        List<float[]> values = new ArrayList<>(graph.initialValues(7));
        values.set(0, W1.clone());
        values.set(1, B1.clone());
        values.set(2, W2.clone());
        values.set(3, B2.clone());
        return values;
    }

    private static double[] minus(float[] w, double rate, double[] gradient) {
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = w[i] - rate * gradient[i];
        }
        return out;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, what + "[" + i + "]");
        }
    }

    @Test
    void oneSgdStepMatchesBackpropagationByHand() {
        List<double[]> hand = handGradients();
        List<float[]> after = new ArrayList<>();
        BatchMetrics metrics;
        try (NetworkGraph graph = NetworkGraph.training(plan(sgd(0.1, 0)))) {
            metrics = step(graph, startingValues(graph), after);
        }
        assertEquals(hand.get(0)[0], metrics.loss(), TOLERANCE, "the batch's mean cross-entropy");
        assertClose(minus(W1, 0.1, hand.get(1)), after.get(0), "W1");
        assertClose(minus(B1, 0.1, hand.get(2)), after.get(1), "b1");
        assertClose(minus(W2, 0.1, hand.get(3)), after.get(2), "W2");
        assertClose(minus(B2, 0.1, hand.get(4)), after.get(3), "b2");
    }

    @Test
    void accuracyCountsTheArgMaxOfTheWeightsBeforeTheStep() {
        int correct = 0;
        double[][] out = TrainingFixtures.forward(
                X, 4, 3, List.of(W1, B1, W2, B2), List.of(Activation.RELU, Activation.SOFTMAX));
        for (int r = 0; r < 4; r++) {
            int predicted = out[r][1] > out[r][0] ? 1 : 0;
            correct += predicted == Y[r] ? 1 : 0;
        }
        try (NetworkGraph graph = NetworkGraph.training(plan(sgd(0.1, 0)))) {
            BatchMetrics metrics = step(graph, startingValues(graph), new ArrayList<>());
            assertEquals(correct, metrics.correct());
        }
    }

    @Test
    void oneAdamStepMatchesAdamByHand() {
        double lr = 0.01;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-7;
        List<double[]> hand = handGradients();
        List<float[]> after = new ArrayList<>();
        List<NetworkGraph.VariableSpec> specs;
        try (NetworkGraph graph = NetworkGraph.training(plan(adam(lr)))) {
            specs = graph.variables();
            step(graph, startingValues(graph), after);
        }
        float[][] start = {W1, B1, W2, B2};
        double lrT = lr * Math.sqrt(1 - b2) / (1 - b1);
        for (int v = 0; v < 4; v++) {
            double[] g = hand.get(v + 1);
            double[] m = new double[g.length];
            double[] s = new double[g.length];
            double[] w = new double[g.length];
            for (int i = 0; i < g.length; i++) {
                m[i] = (1 - b1) * g[i];
                s[i] = (1 - b2) * g[i] * g[i];
                w[i] = start[v][i] - lrT * m[i] / (Math.sqrt(s[i]) + eps);
            }
            String name = specs.get(v).name();
            assertClose(w, after.get(v), name);
            assertClose(m, valueOf(specs, after, name + "_m"), name + " m");
            assertClose(s, valueOf(specs, after, name + "_v"), name + " v");
        }
        assertEquals(b1 * b1, valueOf(specs, after, "optimizer/beta1_power")[0], 1e-7, "β1 power after one step");
        assertEquals(b2 * b2, valueOf(specs, after, "optimizer/beta2_power")[0], 1e-7, "β2 power after one step");
    }

    @Test
    void oneSgdStepOfBinaryCrossEntropyOnASigmoidMatchesByHand() {
        // 3 → 1 sigmoid: the gradient of the fused cross-entropy is (σ(z) − t) · x / rows
        TrainingPlan plan =
                flat(3, List.of(dense(1, Activation.SIGMOID)), Loss.BINARY_CROSSENTROPY, sgd(0.5, 0), 1, 4, 0, 1);
        float[] w = {0.4f, -0.3f, 0.8f};
        float[] b = {-0.1f};
        double loss = 0;
        double[] dW = new double[3];
        double dB = 0;
        for (int r = 0; r < 4; r++) {
            double z = b[0];
            for (int i = 0; i < 3; i++) {
                z += X[r * 3 + i] * w[i];
            }
            double p = 1 / (1 + Math.exp(-z));
            loss += -(Y[r] * Math.log(p) + (1 - Y[r]) * Math.log(1 - p)) / 4;
            double dz = (p - Y[r]) / 4;
            dB += dz;
            for (int i = 0; i < 3; i++) {
                dW[i] += X[r * 3 + i] * dz;
            }
        }
        List<float[]> after = new ArrayList<>();
        BatchMetrics metrics;
        try (NetworkGraph graph = NetworkGraph.training(plan)) {
            metrics = step(graph, List.of(w, b), after);
        }
        assertEquals(loss, metrics.loss(), TOLERANCE);
        assertClose(minus(w, 0.5, dW), after.get(0), "W");
        assertClose(new double[] {b[0] - 0.5 * dB}, after.get(1), "b");
    }

    private static float[] valueOf(List<NetworkGraph.VariableSpec> specs, List<float[]> values, String name) {
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).name().equals(name)) {
                return values.get(i);
            }
        }
        throw new AssertionError("no variable " + name + " in "
                + specs.stream().map(NetworkGraph.VariableSpec::name).toList());
    }
}
