package io.aiaas.worker.training;

import io.aiaas.common.training.TrainingPlan;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Session;

/**
 * The weights a run ended with, and the plan they belong to: exported as a SavedModel ({@link #exportSavedModel}), or
 * used directly ({@link #predict}). Both go through the same inference graph: the layers with dropout off, the last
 * layer's activation as the output.
 *
 * @param weights the inference graph's variables in its order (each layer's kernel, then bias)
 */
public record TrainedNetwork(TrainingPlan plan, List<float[]> weights) {

    public TrainedNetwork {
        weights = List.copyOf(weights);
    }

    /**
     * Writes the network into {@code dir} (absent or empty) as a SavedModel: tag {@code serve}, signature
     * {@code serving_default} with one FP32 input {@code input} {@code [-1, features]} and one FP32 output
     * {@code output} {@code [-1, units of the last layer]}.
     */
    public void exportSavedModel(Path dir) {
        try (NetworkGraph graph = NetworkGraph.inference(plan);
                Session session = graph.openSession(1)) {
            graph.assign(session, weights);
            graph.exportSavedModel(session, dir);
        }
    }

    /** The output for {@code rows} rows of {@code x} (row-major), {@code rows × units} values row-major. */
    public float[] predict(float[] x, int rows) {
        try (NetworkGraph graph = NetworkGraph.inference(plan);
                Session session = graph.openSession(1)) {
            graph.assign(session, weights);
            return graph.predict(session, x, rows);
        }
    }
}
