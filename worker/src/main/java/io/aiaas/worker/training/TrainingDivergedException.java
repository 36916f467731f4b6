package io.aiaas.worker.training;

/** The loss stopped being a finite number: training cannot go on (a smaller learning rate usually helps). */
public class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(int epoch, int step) {
        super("Training diverged: the loss is not a finite number at epoch " + epoch + ", step " + step
                + "; a smaller learning rate usually helps.");
    }
}
