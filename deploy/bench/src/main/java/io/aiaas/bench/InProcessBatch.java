package io.aiaas.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.aiaas.common.csv.CsvDatasetReader;
import io.aiaas.infra.fixtures.DenseSavedModel;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * A batch inference job's work done in this JVM with TensorFlow Java alone, on one thread: read the dataset CSV, run
 * the model's {@code serving_default} over its rows a chunk at a time, write one NDJSON line per row,
 * {@code {"row":i,"outputs":{"y":[…]}}}. What the platform's batch job costs without the platform.
 */
final class InProcessBatch implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();

    private final SavedModelBundle bundle;
    private final SessionFunction function;

    /** One pass: the rows done, its wall time, the NDJSON bytes written and the outputs of the rows asked to keep. */
    record Pass(long rows, double seconds, long outputBytes, Map<Long, float[]> kept) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }

    InProcessBatch(Path savedModel) {
        this.bundle = SavedModelBundle.load(savedModel.toString(), DenseSavedModel.TAG);
        this.function = bundle.function(DenseSavedModel.SIGNATURE);
    }

    /**
     * Runs the model over every row of {@code csv} in chunks of {@code chunkRows}, writing the lines to
     * {@code ndjson}, and keeps the outputs of the rows {@code keep} accepts. Timed from opening the CSV to closing
     * the NDJSON file; the model is loaded already.
     */
    Pass run(Path csv, String labelColumn, int chunkRows, Path ndjson, LongPredicate keep) throws IOException {
        Map<Long, float[]> kept = new HashMap<>();
        long start = System.nanoTime();
        long row = 0;
        try (CsvDatasetReader reader = new CsvDatasetReader(
                        new InputStreamReader(Files.newInputStream(csv), StandardCharsets.UTF_8), labelColumn);
                OutputStream file = new BufferedOutputStream(Files.newOutputStream(ndjson), 1 << 16);
                JsonGenerator json = JSON.createGenerator(file)) {
            json.setRootValueSeparator(null);
            int features = reader.features();
            float[] line = new float[features];
            float[] chunk = new float[chunkRows * features];
            float[] outputs = new float[0];
            while (true) {
                int n = 0;
                while (n < chunkRows && reader.next(line)) {
                    System.arraycopy(line, 0, chunk, n * features, features);
                    n++;
                }
                if (n == 0) {
                    break;
                }
                int width;
                try (TFloat32 x = TFloat32.tensorOf(
                                Shape.of(n, features),
                                DataBuffers.of(chunk, true, false).narrow((long) n * features));
                        Result result = function.call(Map.of(DenseSavedModel.INPUT, x))) {
                    TFloat32 y = (TFloat32) result.get(DenseSavedModel.OUTPUT).orElseThrow();
                    width = (int) y.shape().size(1);
                    if (outputs.length < n * width) {
                        outputs = new float[chunkRows * width];
                    }
                    y.copyTo(DataBuffers.of(outputs, false, false).narrow((long) n * width));
                }
                for (int r = 0; r < n; r++, row++) {
                    json.writeStartObject();
                    json.writeNumberField("row", row);
                    json.writeObjectFieldStart("outputs");
                    json.writeArrayFieldStart(DenseSavedModel.OUTPUT);
                    for (int j = r * width; j < (r + 1) * width; j++) {
                        json.writeNumber(outputs[j]);
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                    json.writeEndObject();
                    json.writeRaw('\n');
                    if (keep.test(row)) {
                        float[] copy = new float[width];
                        System.arraycopy(outputs, r * width, copy, 0, width);
                        kept.put(row, copy);
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Pass(row, seconds, Files.size(ndjson), kept);
    }

    @Override
    public void close() {
        bundle.close();
    }
}
