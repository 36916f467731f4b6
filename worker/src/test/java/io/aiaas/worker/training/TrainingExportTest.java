package io.aiaas.worker.training;

import static io.aiaas.worker.training.TrainingFixtures.adam;
import static io.aiaas.worker.training.TrainingFixtures.dense;
import static io.aiaas.worker.training.TrainingFixtures.flat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Dropout;
import io.aiaas.common.training.TrainingPlan.Loss;
import io.aiaas.worker.inference.LoadedModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * A trained network exports as a SavedModel that the platform serves: {@code serving_default}, one FP32 input
 * {@code [-1, features]}, one FP32 output {@code [-1, units]}, predicting what the trainer's network predicts, with
 * dropout off.
 */
class TrainingExportTest {
    @TempDir
    Path dir;

    /** The SavedModel's output for {@code rows} rows of {@code x}, through its {@code serving_default} signature. */
    private static float[] predict(Path model, float[] x, int rows, int features, int units) {
        try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), SavedModelBundle.DEFAULT_TAG);
                TFloat32 input = TFloat32.tensorOf(Shape.of(rows, features), DataBuffers.of(x));
                Result result = bundle.function(Signature.SERVING_DEFAULT).call(Map.of(NetworkGraph.INPUT, input))) {
            float[] out = new float[rows * units];
            ((TFloat32) result.get(NetworkGraph.OUTPUT).orElseThrow()).copyTo(DataBuffers.of(out, false, false));
            return out;
        }
    }

    @Test
    void aDenseNetworkWithDropoutExportsItsSignatureAndPredictsWithoutDropout() {
        TrainingPlan plan = flat(
                20,
                List.of(dense(16, Activation.RELU), new Dropout(0.5), dense(3, Activation.SOFTMAX)),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                adam(0.01),
                2,
                32,
                0.2,
                6);
        TrainingData data = TrainingFixtures.clusters(200, 20, 3, 3);
        TrainingResult result = new Trainer(1).run(plan, data, null, null, null, null);
        Path model = dir.resolve("mlp");

        result.exportSavedModel(model);

        try (LoadedModel loaded = LoadedModel.load("trained/1", model, null, 1, 1, false)) {
            assertEquals(
                    new Signature(
                            List.of(new TensorSpec("input", Datatype.FP32, List.of(-1L, 20L))),
                            List.of(new TensorSpec("output", Datatype.FP32, List.of(-1L, 3L)))),
                    loaded.signatures().get(Signature.SERVING_DEFAULT));
        }
        int rows = 10;
        float[] x = Arrays.copyOf(data.x(), rows * 20);
        float[] served = predict(model, x, rows, 20, 3);
        double[][] expected = TrainingFixtures.forward(
                x, rows, 20, result.network().weights(), List.of(Activation.RELU, Activation.SOFTMAX));
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < 3; k++) {
                assertEquals(expected[r][k], served[r * 3 + k], 1e-5, "row " + r + ", class " + k);
            }
        }
        assertArrayEquals(result.network().predict(x, rows), served, "the same graph with the same weights");
        assertArrayEquals(served, predict(model, x, rows, 20, 3), "no dropout: the same answer twice");
    }

    @Test
    void anExportedConvolutionalNetworkScoresTheValidationRowsAsTheTrainerDid() {
        TrainingPlan plan = TrainerTest.cnn(3);
        TrainingData data = TrainingFixtures.bars(200, 5);
        TrainingResult result = new Trainer(1).run(plan, data, null, null, null, null);
        Path model = dir.resolve("cnn");

        result.exportSavedModel(model);

        int validation = 50;
        int from = data.rows() - validation;
        float[] x = Arrays.copyOfRange(data.x(), from * 64, data.rows() * 64);
        float[] p = predict(model, x, validation, 64, 2);
        double loss = 0;
        int correct = 0;
        for (int r = 0; r < validation; r++) {
            int label = (int) data.labels()[from + r];
            loss -= Math.log(p[r * 2 + label]) / validation;
            int predicted = p[r * 2 + 1] > p[r * 2] ? 1 : 0;
            correct += predicted == label ? 1 : 0;
        }
        EpochMetrics last = result.finalMetrics();
        assertEquals(last.valAccuracy(), correct / (double) validation, 1e-12);
        assertEquals(last.valLoss(), loss, 1e-4);
    }
}
