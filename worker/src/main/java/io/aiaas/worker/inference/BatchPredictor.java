package io.aiaas.worker.inference;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.csv.CsvDatasetReader;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.tensorflow.Result;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * Runs a signature's single input over a dataset's rows, {@code chunkRows} at a time, and writes one NDJSON line per
 * row: {@code {"row":i,"outputs":{"<name>":[…]}}} with the row's slice of every output. A run may resume: the rows
 * before {@code fromRow} are read past, not run. It checks {@code stop} before each chunk (cancellation, a lost lease).
 */
public final class BatchPredictor {

    /** Receives each chunk's lines as they are made. */
    @FunctionalInterface
    public interface ChunkSink {
        void accept(long fromRow, long toRow, byte[] ndjson) throws IOException;
    }

    /** How a run ended: the rows done (all of them, or up to where {@code stop} held it). */
    public record Outcome(long rowsDone, boolean stopped) {}

    private BatchPredictor() {}

    public static Outcome run(
            LoadedModel model,
            String signatureName,
            CsvDatasetReader reader,
            int chunkRows,
            long fromRow,
            ChunkSink sink,
            BooleanSupplier stop)
            throws IOException {
        Signature signature = model.signatures().get(signatureName);
        if (signature == null || signature.inputs().size() != 1) {
            throw InvalidInputException.mismatch("Batch inference needs a signature with a single input.");
        }
        TensorSpec input = signature.inputs().get(0);
        int features = reader.features();
        long[] rowDims = rowDims(input, features);
        SessionFunction function = model.bundle().function(signatureName);
        try (ChunkReader chunks = new ChunkReader(reader, chunkRows, fromRow)) {
            long rowIndex = fromRow;
            while (true) {
                if (stop.getAsBoolean()) {
                    return new Outcome(rowIndex, true);
                }
                ChunkReader.Chunk chunk = chunks.next();
                if (chunk == null) {
                    return new Outcome(chunks.rowsRead(), false);
                }
                rowIndex = chunk.firstRow();
                byte[] lines = runChunk(function, input, rowDims, chunk.values(), chunk.rows(), features, rowIndex);
                chunks.recycle(chunk);
                sink.accept(rowIndex, rowIndex + chunk.rows(), lines);
                rowIndex += chunk.rows();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted between chunks");
        }
    }

    /** The dimensions after the batch one: the input's fixed ones, or {@code [features]} for an unknown rank. */
    static long[] rowDims(TensorSpec input, int features) {
        if (input.shape() == null) {
            return new long[] {features};
        }
        long[] dims = new long[input.shape().size() - 1];
        long product = 1;
        for (int i = 1; i < input.shape().size(); i++) {
            dims[i - 1] = input.shape().get(i);
            product *= dims[i - 1];
        }
        if (product != features) {
            throw InvalidInputException.mismatch(
                    "Input '" + input.name() + "' takes " + input.shape() + "; a row has " + features + " features.");
        }
        return dims;
    }

    private static byte[] runChunk(
            SessionFunction function,
            TensorSpec input,
            long[] rowDims,
            float[] chunk,
            int n,
            int features,
            long firstRow) {
        long[] dims = new long[rowDims.length + 1];
        dims[0] = n;
        System.arraycopy(rowDims, 0, dims, 1, rowDims.length);
        Shape shape = Shape.of(dims);
        Tensor feed;
        if (input.datatype() == Datatype.FP64) {
            double[] values = new double[n * features];
            for (int i = 0; i < values.length; i++) {
                values[i] = chunk[i];
            }
            feed = TFloat64.tensorOf(shape, DataBuffers.of(values));
        } else {
            feed = TFloat32.tensorOf(shape, DataBuffers.of(chunk, true, false).narrow(n * (long) features));
        }
        try (feed;
                Result result = function.call(Map.of(input.name(), feed))) {
            List<Column> columns = new ArrayList<>();
            for (Map.Entry<String, Tensor> entry : result) {
                columns.add(Column.of(entry.getKey(), entry.getValue()));
            }
            return lines(columns, n, firstRow);
        }
    }

    /**
     * One output of a chunk: FP32 as floats read straight from the tensor (the common case, and the costly one when
     * it goes through JSON trees), any other type as {@link TensorCodec} renders it.
     */
    private record Column(String name, float[] floats, JsonNode data, int size) {
        static Column of(String name, Tensor tensor) {
            if (tensor instanceof TFloat32 t) {
                long size = t.shape().size();
                if (size > Integer.MAX_VALUE) {
                    throw new IllegalStateException("output " + name + " is too large");
                }
                float[] values = new float[(int) size];
                t.copyTo(DataBuffers.of(values, false, false));
                return new Column(name, values, null, values.length);
            }
            JsonNode data = TensorCodec.toOutput(name, tensor).data();
            return new Column(name, null, data, data.size());
        }

        void write(JsonGenerator json, int from, int to) throws IOException {
            for (int i = from; i < to; i++) {
                if (floats != null) {
                    json.writeNumber(floats[i]);
                } else {
                    json.writeTree(data.get(i));
                }
            }
        }
    }

    /** One line per row with that row's slice of each output (outputs are {@code [rows, …]}). */
    private static byte[] lines(List<Column> columns, int n, long firstRow) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n * 64);
        try (JsonGenerator json = Json.mapper().getFactory().createGenerator(out)) {
            json.setRootValueSeparator(null);
            for (int r = 0; r < n; r++) {
                json.writeStartObject();
                json.writeNumberField("row", firstRow + r);
                json.writeObjectFieldStart("outputs");
                for (Column column : columns) {
                    int perRow = column.size() / n;
                    json.writeArrayFieldStart(column.name());
                    column.write(json, r * perRow, (r + 1) * perRow);
                    json.writeEndArray();
                }
                json.writeEndObject();
                json.writeEndObject();
                json.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
