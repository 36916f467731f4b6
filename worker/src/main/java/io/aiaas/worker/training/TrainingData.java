package io.aiaas.worker.training;

/**
 * A dataset in memory, as training reads it: one flat array of features, row-major, and one label per row.
 *
 * @param rows the rows
 * @param features the features of one row (the network's input width)
 * @param x {@code rows × features} values, row {@code r} at {@code [r·features, (r+1)·features)}
 * @param labels one integer label per row (a class index; 0 or 1 for binary cross-entropy; the target for mean squared
 *     error)
 */
public record TrainingData(int rows, int features, float[] x, long[] labels) {

    public TrainingData {
        if (rows < 1 || features < 1) {
            throw new IllegalArgumentException("training data needs at least one row and one feature (" + rows
                    + " rows, " + features + " features)");
        }
        if (x.length != (long) rows * features) {
            throw new IllegalArgumentException("training data of " + rows + " rows × " + features + " features needs "
                    + (long) rows * features + " values, not " + x.length);
        }
        if (labels.length != rows) {
            throw new IllegalArgumentException(
                    "training data of " + rows + " rows needs as many labels, not " + labels.length);
        }
    }
}
