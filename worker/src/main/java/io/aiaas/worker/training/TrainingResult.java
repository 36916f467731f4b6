package io.aiaas.worker.training;

import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link Trainer} run did.
 *
 * @param stopped whether the stop flag ended it before the last epoch (then there is no {@code network})
 * @param history one entry per completed epoch, those of the checkpoint it resumed from included
 * @param examples training rows this run stepped through (each epoch counts them again), for billing
 * @param validationExamples validation rows this run evaluated
 * @param computeMillis wall time of this run, graph building included
 * @param network the trained weights; null when stopped
 */
public record TrainingResult(
        boolean stopped,
        List<EpochMetrics> history,
        long examples,
        long validationExamples,
        long computeMillis,
        TrainedNetwork network) {

    public TrainingResult {
        history = List.copyOf(history);
    }

    /** The last epoch's metrics: the version's final loss and accuracy; null when no epoch completed. */
    public EpochMetrics finalMetrics() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }

    /** Writes the trained network as a SavedModel ({@link TrainedNetwork#exportSavedModel}). */
    public void exportSavedModel(Path dir) {
        if (network == null) {
            throw new IllegalStateException("a stopped run has no trained network to export");
        }
        network.exportSavedModel(dir);
    }
}
