package io.aiaas.worker.inference;

import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.ResponseOutput;
import io.aiaas.worker.service.WorkerMetrics;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.tensorflow.Result;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
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
     * Picks the signature ({@code requested}, else {@code serving_default}, else the only one), checks and converts the
     * inputs, runs it and converts the outputs back.
     *
     * @throws InvalidInputException when the request does not fit the model, or the model refuses the data
     */
    public Prediction predict(LoadedModel model, String requested, InferenceRequest request) {
        LoadedModel.SignatureSpec signature = pickSignature(model, requested);
        List<HostTensor> inputs = checkInputs(signature, request);
        List<String> wanted = wantedOutputs(signature, request);
        long examples = inputs.isEmpty() ? 1 : inputs.get(0).batchSize();

        Map<String, Tensor> feeds = new LinkedHashMap<>();
        try {
            for (HostTensor input : inputs) {
                feeds.put(input.name(), TensorCodec.toTensor(input));
            }
            SessionFunction function = model.bundle().function(signature.name());
            long start = System.nanoTime();
            try (Result result = function.call(feeds)) {
                long nanos = System.nanoTime() - start;
                metrics.inferenceTimer().record(nanos, TimeUnit.NANOSECONDS);
                List<ResponseOutput> outputs = new ArrayList<>(wanted.size());
                for (String name : wanted) {
                    Tensor tensor = result.get(name)
                            .orElseThrow(() -> new IllegalStateException("the model returned no output " + name));
                    outputs.add(TensorCodec.toOutput(name, tensor));
                }
                long millis = (nanos + 999_999) / 1_000_000;
                return new Prediction(signature.name(), outputs, millis, examples);
            }
        } catch (TFInvalidArgumentException | TFOutOfRangeException e) {
            throw new InvalidInputException("The model refused the input: " + firstLine(e.getMessage()));
        } finally {
            feeds.values().forEach(Tensor::close);
        }
    }

    static LoadedModel.SignatureSpec pickSignature(LoadedModel model, String requested) {
        Map<String, LoadedModel.SignatureSpec> signatures = model.signatures();
        if (requested != null && !requested.isBlank()) {
            LoadedModel.SignatureSpec spec = signatures.get(requested);
            if (spec == null) {
                throw new InvalidInputException(
                        "The model has no signature '" + requested + "'; it has " + signatures.keySet() + ".");
            }
            return spec;
        }
        LoadedModel.SignatureSpec spec = signatures.get(Signature.DEFAULT_KEY);
        if (spec != null) {
            return spec;
        }
        if (signatures.size() == 1) {
            return signatures.values().iterator().next();
        }
        throw new InvalidInputException(
                "The model has no '" + Signature.DEFAULT_KEY + "' signature; name one of " + signatures.keySet() + ".");
    }

    static List<HostTensor> checkInputs(LoadedModel.SignatureSpec signature, InferenceRequest request) {
        if (request == null || request.inputs() == null || request.inputs().isEmpty()) {
            throw new InvalidInputException("The request has no inputs.");
        }
        List<HostTensor> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (RequestInput input : request.inputs()) {
            HostTensor host = TensorCodec.decode(input);
            if (!seen.add(host.name())) {
                throw new InvalidInputException("Input '" + host.name() + "' is given twice.");
            }
            TensorSpec spec = signature.inputs().get(host.name());
            if (spec == null) {
                throw new InvalidInputException("Signature '" + signature.name() + "' has no input '" + host.name()
                        + "'; its inputs are " + signature.inputs().keySet() + ".");
            }
            String expected = spec.datatype().map(Enum::name).orElse(spec.tensorflowType());
            if (!host.datatype().tensorflowName().equals(spec.tensorflowType())) {
                throw new InvalidInputException("Input '" + host.name() + "' is " + host.datatype()
                        + " but the signature expects " + expected + ".");
            }
            if (!spec.accepts(host.shape())) {
                throw new InvalidInputException("Input '" + host.name() + "' has shape "
                        + java.util.Arrays.toString(host.shape()) + " but the signature expects "
                        + spec.describe() + ".");
            }
            out.add(host);
        }
        for (String name : signature.inputs().keySet()) {
            if (!seen.contains(name)) {
                throw new InvalidInputException(
                        "Input '" + name + "' of signature '" + signature.name() + "' is missing.");
            }
        }
        return out;
    }

    static List<String> wantedOutputs(LoadedModel.SignatureSpec signature, InferenceRequest request) {
        if (request.outputs() == null || request.outputs().isEmpty()) {
            return new ArrayList<>(signature.outputs().keySet());
        }
        List<String> names = new ArrayList<>();
        for (InferenceRequest.RequestedOutput output : request.outputs()) {
            if (output == null || !signature.outputs().containsKey(output.name())) {
                throw new InvalidInputException("Signature '" + signature.name() + "' has no output '"
                        + (output == null ? null : output.name()) + "'; its outputs are "
                        + signature.outputs().keySet() + ".");
            }
            if (!names.contains(output.name())) {
                names.add(output.name());
            }
        }
        return names;
    }

    /** TensorFlow's message without the graph trace it appends on later lines, bounded. */
    static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "invalid argument";
        }
        String line = message.strip().lines().findFirst().orElse("").strip();
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
