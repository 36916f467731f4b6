package io.aiaas.bench;

import io.aiaas.infra.fixtures.DenseSavedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;

/**
 * A SavedModel's {@code serving_default} called in this JVM with TensorFlow Java alone: a plain single-threaded
 * {@code Session.runner()} loop on a session of one intra-op and one inter-op thread, as the worker configures its
 * sessions. What one prediction costs without the platform.
 */
final class InProcessPredict implements AutoCloseable {
    private final SavedModelBundle bundle;
    private final Session session;
    private final String input;
    private final String output;
    private final int features;

    /** Calls timed in one measurement: latencies in nanoseconds, sorted. */
    record Timing(int batch, long calls, double seconds, long[] latencies) {
        double callsPerSecond() {
            return calls / seconds;
        }

        double examplesPerSecond() {
            return calls * (double) batch / seconds;
        }

        double percentileMillis(double p) {
            return Percentiles.millis(latencies, p);
        }
    }

    InProcessPredict(Path savedModel, int features) {
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(1)
                .setInterOpParallelismThreads(1)
                .putDeviceCount("GPU", 0)
                .build();
        this.bundle = SavedModelBundle.loader(savedModel.toString())
                .withTags(DenseSavedModel.TAG)
                .withConfigProto(config)
                .load();
        SignatureDef signature = bundle.metaGraphDef().getSignatureDefMap().get(DenseSavedModel.SIGNATURE);
        this.input = signature.getInputsOrThrow(DenseSavedModel.INPUT).getName();
        this.output = signature.getOutputsOrThrow(DenseSavedModel.OUTPUT).getName();
        this.session = bundle.session();
        this.features = features;
    }

    /**
     * One call: {@code rows} rows of {@code x} (row-major) in, {@code y} out, row-major. The input tensor is made and
     * the output copied out inside the call, as any caller must.
     */
    float[] predict(float[] x, int rows) {
        try (TFloat32 tx = TFloat32.tensorOf(
                        Shape.of(rows, features), DataBuffers.of(x, true, false).narrow((long) rows * features));
                Result result = session.runner().feed(input, tx).fetch(output).run()) {
            TFloat32 y = (TFloat32) result.get(0);
            float[] out = new float[Math.toIntExact(y.shape().size())];
            y.copyTo(DataBuffers.of(out, false, false));
            return out;
        }
    }

    /**
     * Calls the model back to back for {@code warmup} (not counted), then for {@code measure}, each call with the next
     * of {@code inputs} (each {@code batch} rows, made beforehand), timing every call.
     */
    Timing time(float[][] inputs, int batch, Duration warmup, Duration measure) {
        long start = System.nanoTime();
        long from = start + warmup.toNanos();
        long until = from + measure.toNanos();
        long[] latencies = new long[1 << 16];
        int kept = 0;
        long calls = 0;
        int next = 0;
        float sink = 0;
        long now = start;
        while (now < until) {
            float[] x = inputs[next];
            next = (next + 1) % inputs.length;
            long before = System.nanoTime();
            float[] y = predict(x, batch);
            now = System.nanoTime();
            sink += y[0];
            if (before >= from && now < until) {
                if (kept == latencies.length) {
                    latencies = Arrays.copyOf(latencies, kept * 2);
                }
                latencies[kept++] = now - before;
                calls++;
            }
        }
        if (Float.isNaN(sink)) {
            // Keeps the outputs alive for the JIT; a NaN from a softmax would be a broken model anyway.
            throw new IllegalStateException("the model answered NaN");
        }
        long[] sorted = Arrays.copyOf(latencies, kept);
        Arrays.sort(sorted);
        return new Timing(batch, calls, measure.toNanos() / 1e9, sorted);
    }

    @Override
    public void close() {
        bundle.close();
    }
}
