package io.aiaas.worker.training;

/**
 * Where a run stands: every {@code progressEverySteps} steps, and at each epoch's end (then with the validation
 * metrics). Loss and accuracy are running means over the epoch so far.
 *
 * @param epoch from 1
 * @param step steps done in this epoch, from 1 ({@code steps} at the epoch's end)
 * @param epochEnd whether the epoch is complete (the last event of each epoch)
 * @param valLoss at an epoch's end with validation rows; null otherwise
 * @param valAccuracy at an epoch's end with validation rows; null otherwise
 */
public record TrainingProgress(
        int epoch,
        int epochs,
        int step,
        int steps,
        double loss,
        double accuracy,
        boolean epochEnd,
        Double valLoss,
        Double valAccuracy) {}
