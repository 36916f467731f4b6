package io.aiaas.worker.training;

import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Layer;
import io.aiaas.common.training.TrainingPlan.Loss;
import io.aiaas.common.training.TrainingPlan.Optimizer;
import io.aiaas.common.training.TrainingPlan.OptimizerType;
import java.util.List;
import java.util.Random;

/** Plans, synthetic datasets and a plain-Java forward pass for the training tests. */
final class TrainingFixtures {
    private TrainingFixtures() {}

    static Optimizer adam(double learningRate) {
        return new Optimizer(OptimizerType.ADAM, learningRate, 0);
    }

    static Optimizer sgd(double learningRate, double momentum) {
        return new Optimizer(OptimizerType.SGD, learningRate, momentum);
    }

    static Optimizer rmsprop(double learningRate) {
        return new Optimizer(OptimizerType.RMSPROP, learningRate, 0);
    }

    /** A seeded plan of flat rows, progress every 100 steps. */
    static TrainingPlan flat(
            int features,
            List<Layer> layers,
            Loss loss,
            Optimizer optimizer,
            int epochs,
            int batchSize,
            double validationSplit,
            long seed) {
        return new TrainingPlan(
                features,
                List.of(features),
                layers,
                loss,
                optimizer,
                epochs,
                batchSize,
                validationSplit,
                seed,
                true,
                100);
    }

    static TrainingPlan withEpochs(TrainingPlan p, int epochs) {
        return new TrainingPlan(
                p.features(),
                p.inputShape(),
                p.layers(),
                p.loss(),
                p.optimizer(),
                epochs,
                p.batchSize(),
                p.validationSplit(),
                p.seed(),
                p.seeded(),
                p.progressEverySteps());
    }

    static TrainingPlan withProgressEvery(TrainingPlan p, int steps) {
        return new TrainingPlan(
                p.features(),
                p.inputShape(),
                p.layers(),
                p.loss(),
                p.optimizer(),
                p.epochs(),
                p.batchSize(),
                p.validationSplit(),
                p.seed(),
                p.seeded(),
                steps);
    }

    static TrainingPlan.Dense dense(int units, Activation activation) {
        return new TrainingPlan.Dense(units, activation);
    }

    /**
     * {@code classes} Gaussian clusters in {@code features} dimensions, centres 3 apart on average, noise of 1: row
     * {@code r} has label {@code r % classes}, so the held-out last rows hold every class.
     */
    static TrainingData clusters(int rows, int features, int classes, long seed) {
        Random random = new Random(seed);
        float[][] centres = new float[classes][features];
        for (float[] centre : centres) {
            for (int f = 0; f < features; f++) {
                centre[f] = (float) (random.nextGaussian() * 1.5);
            }
        }
        float[] x = new float[rows * features];
        long[] labels = new long[rows];
        for (int r = 0; r < rows; r++) {
            int label = r % classes;
            labels[r] = label;
            for (int f = 0; f < features; f++) {
                x[r * features + f] = centres[label][f] + (float) random.nextGaussian();
            }
        }
        return new TrainingData(rows, features, x, labels);
    }

    /**
     * 8 × 8 images, one channel: label 0 is a horizontal bar (one random row of ones), label 1 a vertical one, both over
     * noise in [0, 0.3).
     */
    static TrainingData bars(int rows, long seed) {
        Random random = new Random(seed);
        int side = 8;
        float[] x = new float[rows * side * side];
        long[] labels = new long[rows];
        for (int r = 0; r < rows; r++) {
            int label = r % 2;
            labels[r] = label;
            int line = random.nextInt(side);
            for (int i = 0; i < side; i++) {
                for (int j = 0; j < side; j++) {
                    boolean lit = label == 0 ? i == line : j == line;
                    x[r * side * side + i * side + j] = lit ? 1f : (float) (random.nextDouble() * 0.3);
                }
            }
        }
        return new TrainingData(rows, side * side, x, labels);
    }

    /**
     * A dense network's output computed in plain Java (double), from the inference graph's weights: per layer a
     * kernel {@code [in, units]} and a bias.
     */
    static double[][] forward(float[] x, int rows, int features, List<float[]> weights, List<Activation> activations) {
        double[][] h = new double[rows][features];
        for (int r = 0; r < rows; r++) {
            for (int f = 0; f < features; f++) {
                h[r][f] = x[r * features + f];
            }
        }
        for (int l = 0; l < activations.size(); l++) {
            float[] kernel = weights.get(2 * l);
            float[] bias = weights.get(2 * l + 1);
            int in = h[0].length;
            int out = bias.length;
            double[][] z = new double[rows][out];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double sum = bias[o];
                    for (int i = 0; i < in; i++) {
                        sum += h[r][i] * kernel[i * out + o];
                    }
                    z[r][o] = sum;
                }
                z[r] = activate(z[r], activations.get(l));
            }
            h = z;
        }
        return h;
    }

    static double[] activate(double[] z, Activation activation) {
        double[] a = new double[z.length];
        switch (activation) {
            case RELU -> {
                for (int i = 0; i < z.length; i++) {
                    a[i] = Math.max(0, z[i]);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < z.length; i++) {
                    a[i] = 1 / (1 + Math.exp(-z[i]));
                }
            }
            case TANH -> {
                for (int i = 0; i < z.length; i++) {
                    a[i] = Math.tanh(z[i]);
                }
            }
            case SOFTMAX -> {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : z) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int i = 0; i < z.length; i++) {
                    a[i] = Math.exp(z[i] - max);
                    sum += a[i];
                }
                for (int i = 0; i < z.length; i++) {
                    a[i] /= sum;
                }
            }
            case LINEAR -> System.arraycopy(z, 0, a, 0, z.length);
        }
        return a;
    }
}
