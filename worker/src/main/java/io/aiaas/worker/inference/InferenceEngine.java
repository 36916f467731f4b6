package io.aiaas.worker.inference;

import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.ResponseOutput;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.SignatureInputs;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.worker.service.WorkerMetrics;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.tensorflow.Result;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFOutOfRangeException;

/** Runs one Open Inference Protocol request through a signature of a loaded SavedModel. */
@Singleton
public class InferenceEngine {
    private final WorkerMetrics metrics;

    public InferenceEngine(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * Chooses the signature and checks and decodes the inputs as model-service did at submission (common's
     * {@link Signature#choose} and {@link SignatureInputs}), runs it and converts the outputs back.
     *
     * @throws InvalidInputException when the request does not fit the model, or the model refuses the data
     */
    public Prediction predict(LoadedModel model, String requested, InferenceRequest request) {
        String signatureName = Signature.choose(model.signatures(), requested);
        Signature signature = model.signatures().get(signatureName);
        List<InputTensor> inputs =
                SignatureInputs.decode(signatureName, signature, request == null ? null : request.inputs());
        List<String> wanted = wantedOutputs(signatureName, signature, request);
        long examples = inputs.get(0).batchSize();

        try {
            Run<ResponseOutput> run = call(model, signatureName, inputs, wanted, TensorCodec::toOutput);
            long millis = (run.nanos() + 999_999) / 1_000_000;
            return new Prediction(signatureName, run.outputs(), millis, examples);
        } catch (TFInvalidArgumentException | TFOutOfRangeException e) {
            throw InvalidInputException.mismatch("The model refused the input: " + firstLine(e.getMessage()));
        }
    }

    /** What one run of a signature returned, as typed arrays, and the run's wall time. */
    public record TensorRun(List<OutputTensor> outputs, long nanos) {}

    /**
     * Runs a signature on inputs already checked and decoded (online predictions: the gateway checked them), and
     * returns {@code outputs} (every output of the signature, by name, when empty).
     *
     * @throws TFInvalidArgumentException or {@link TFOutOfRangeException} when TensorFlow refuses the data
     * @throws InvalidInputException when an input's datatype cannot be fed to this TensorFlow runtime
     */
    public TensorRun run(LoadedModel model, String signatureName, List<InputTensor> inputs, List<String> outputs) {
        List<String> wanted = outputs.isEmpty()
                ? model.signatures().get(signatureName).outputs().stream()
                        .map(TensorSpec::name)
                        .toList()
                : outputs;
        Run<OutputTensor> run = call(model, signatureName, inputs, wanted, TensorCodec::toOutputTensor);
        return new TensorRun(run.outputs(), run.nanos());
    }

    private record Run<T>(List<T> outputs, long nanos) {}

    /** The one TensorFlow call of both paths: feeds made and closed here, each wanted output converted. */
    private <T> Run<T> call(
            LoadedModel model,
            String signatureName,
            List<InputTensor> inputs,
            List<String> wanted,
            BiFunction<String, Tensor, T> convert) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        try {
            for (InputTensor input : inputs) {
                feeds.put(input.name(), TensorCodec.toTensor(input));
            }
            SessionFunction function = model.bundle().function(signatureName);
            long start = System.nanoTime();
            try (Result result = function.call(feeds)) {
                long nanos = System.nanoTime() - start;
                metrics.inferenceTimer().record(nanos, TimeUnit.NANOSECONDS);
                List<T> out = new ArrayList<>(wanted.size());
                for (String name : wanted) {
                    Tensor tensor = result.get(name)
                            .orElseThrow(() -> new IllegalStateException("the model returned no output " + name));
                    out.add(convert.apply(name, tensor));
                }
                return new Run<>(out, nanos);
            }
        } finally {
            feeds.values().forEach(Tensor::close);
        }
    }

    static List<String> wantedOutputs(String signatureName, Signature signature, InferenceRequest request) {
        List<String> all = signature.outputs().stream().map(TensorSpec::name).toList();
        if (request.outputs() == null || request.outputs().isEmpty()) {
            return all;
        }
        List<String> names = new ArrayList<>();
        for (InferenceRequest.RequestedOutput output : request.outputs()) {
            if (output == null || signature.output(output.name()).isEmpty()) {
                throw InvalidInputException.mismatch("Signature '" + signatureName + "' has no output '"
                        + (output == null ? null : output.name()) + "'; its outputs are " + all + ".");
            }
            if (!names.contains(output.name())) {
                names.add(output.name());
            }
        }
        return names;
    }

    /** TensorFlow's message without the graph trace it appends on later lines, bounded. */
    public static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "invalid argument";
        }
        String line = message.strip().lines().findFirst().orElse("").strip();
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
