package io.aiaas.worker.service;

import io.aiaas.common.csv.CsvDatasetReader;
import io.aiaas.worker.client.DatasetDownload;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads a training job's dataset into memory: features row-major in one {@code float[]}, labels in a {@code long[]}.
 * Training passes over the rows many times in shuffled order, so they are held whole; the dataset's announced size is
 * checked against {@code maxValues} before anything is read, and a dataset past it fails the job rather than the
 * worker.
 */
final class TrainingDatasets {

    /** A dataset in memory. */
    record Loaded(float[] features, long[] labels, int rows, int columns) {}

    private TrainingDatasets() {}

    static Loaded read(DatasetDownload dataset, long maxValues) throws IOException {
        long rows = dataset.rows();
        try (CsvDatasetReader reader = new CsvDatasetReader(
                new InputStreamReader(dataset.body(), StandardCharsets.UTF_8), dataset.labelColumn())) {
            int columns = reader.features();
            if (rows * columns > maxValues || rows > Integer.MAX_VALUE) {
                throw JobFailedException.unprocessable("The dataset's " + rows + " rows of " + columns
                        + " features exceed what a worker trains on (" + maxValues + " values).");
            }
            float[] features = new float[(int) (rows * columns)];
            long[] labels = new long[(int) rows];
            float[] row = new float[columns];
            int r = 0;
            while (reader.next(row)) {
                if (r == rows) {
                    throw new IOException("the dataset has more rows than announced");
                }
                System.arraycopy(row, 0, features, r * columns, columns);
                labels[r] = reader.label();
                r++;
            }
            if (r != rows) {
                throw new IOException("the dataset has " + r + " rows, not the " + rows + " announced");
            }
            dataset.verify();
            return new Loaded(features, labels, r, columns);
        }
    }
}
