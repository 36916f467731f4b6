package io.aiaas.worker.inference;

import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.PredictRequest;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The rules of dynamic batching for online predictions: which requests of one model version, signature and set of
 * outputs run together as one TensorFlow run, how their inputs are joined along the first dimension, and how the
 * outputs are split back by rows.
 *
 * <ul>
 *   <li>A signature is <b>batchable</b> when every input and every output has a variable ({@code -1}) or unknown first
 *       dimension: then the first dimension is the rows, and the model treats rows independently (the usual case for
 *       a Keras export). Any other signature runs each request alone.
 *   <li>Requests run together when, for every input, the datatype and the dimensions after the first agree, and each
 *       request's inputs agree on their first dimension (its rows). A request that fits no other runs alone.
 *   <li>Every output of a joined run must come back with the summed rows as its first dimension, or the run cannot be
 *       split and its requests run again alone.
 * </ul>
 *
 * Plain Java with no TensorFlow, so the rules are tested on their own.
 */
public final class PredictionBatcher {
    private PredictionBatcher() {}

    /**
     * What one TensorFlow run feeds: the requests it serves, each one's rows, and the inputs (joined, for more than one
     * request; the request's own otherwise).
     */
    public record Run(List<PredictRequest> requests, long[] rows, List<InputTensor> inputs) {
        public boolean joined() {
            return requests.size() > 1;
        }

        public long totalRows() {
            long total = 0;
            for (long r : rows) {
                total += r;
            }
            return total;
        }

        @Override
        public String toString() {
            return "Run[" + requests.size() + " requests, " + totalRows() + " rows]";
        }
    }

    /** The rows a request counts for against the batch bound: the first dimension of its first input (1 for a scalar). */
    public static long rows(PredictRequest request) {
        return request.inputs().isEmpty() ? 1 : request.inputs().get(0).batchSize();
    }

    /**
     * Takes from the head of {@code queue} what one batch may hold: at most {@code maxRequests} requests and, after the
     * first, at most {@code maxRows} rows in all. The first is always taken, however many rows it has.
     */
    public static <T> List<T> take(Deque<T> queue, Function<T, PredictRequest> request, int maxRequests, long maxRows) {
        List<T> taken = new ArrayList<>();
        long rows = 0;
        while (!queue.isEmpty() && taken.size() < Math.max(1, maxRequests)) {
            long next = rows(request.apply(queue.peekFirst()));
            if (!taken.isEmpty() && rows + next > maxRows) {
                break;
            }
            rows += next;
            taken.add(queue.pollFirst());
        }
        return taken;
    }

    /** Whether requests of this signature may be joined along the first dimension (see the class comment). */
    public static boolean batchable(Signature signature) {
        return signature.inputs().stream().allMatch(PredictionBatcher::variableFirstDimension)
                && signature.outputs().stream().allMatch(PredictionBatcher::variableFirstDimension);
    }

    private static boolean variableFirstDimension(TensorSpec spec) {
        List<Long> shape = spec.shape();
        return shape == null || (!shape.isEmpty() && shape.get(0) < 0);
    }

    /**
     * Why the request cannot run on this signature, or null when it can: the gateway checked it against model-service's
     * catalogue, and this check keeps a request that does not fit the loaded model (and would fail a joined run) out
     * of any batch. Names, datatypes and fixed dimensions, as common's {@code SignatureInputs} checks them.
     */
    public static String refusal(String signatureName, Signature signature, PredictRequest request) {
        Set<String> seen = new HashSet<>();
        for (InputTensor input : request.inputs()) {
            TensorSpec spec = signature.input(input.name()).orElse(null);
            if (spec == null) {
                return "Signature '" + signatureName + "' has no input '" + input.name() + "'.";
            }
            if (!seen.add(input.name())) {
                return "Input '" + input.name() + "' is given twice.";
            }
            if (spec.datatype() != input.datatype()) {
                return "Input '" + input.name() + "' must be " + spec.datatype() + ", not " + input.datatype() + ".";
            }
            if (!spec.accepts(input.shape())) {
                return "Input '" + input.name() + "' has shape " + Arrays.toString(input.shape())
                        + " but the signature expects " + (spec.shape() == null ? "any shape" : spec.shape()) + ".";
            }
        }
        for (TensorSpec spec : signature.inputs()) {
            if (!seen.contains(spec.name())) {
                return "Signature '" + signatureName + "' needs input '" + spec.name() + "'.";
            }
        }
        for (String output : request.outputs()) {
            if (signature.output(output).isEmpty()) {
                return "Signature '" + signatureName + "' has no output '" + output + "'.";
            }
        }
        return null;
    }

    /**
     * The runs that serve {@code requests} (all of one model version, signature and outputs, each already passing
     * {@link #refusal}), in the order of their first request: joined where the rules allow, alone otherwise.
     */
    public static List<Run> plan(Signature signature, List<PredictRequest> requests) {
        if (requests.size() == 1 || !batchable(signature)) {
            return requests.stream().map(PredictionBatcher::alone).toList();
        }
        Map<Object, List<PredictRequest>> compatible = new LinkedHashMap<>();
        for (PredictRequest request : requests) {
            Object key = joinKey(request);
            // a request that cannot be joined gets a key of its own
            compatible
                    .computeIfAbsent(key == null ? new Object() : key, k -> new ArrayList<>())
                    .add(request);
        }
        List<Run> runs = new ArrayList<>();
        for (List<PredictRequest> together : compatible.values()) {
            runs.add(together.size() == 1 ? alone(together.get(0)) : join(together));
        }
        return runs;
    }

    /** A run of one request, fed as it came. */
    public static Run alone(PredictRequest request) {
        return new Run(List.of(request), new long[] {rows(request)}, request.inputs());
    }

    /**
     * What must agree for requests to be joined: per input (by name), its datatype and dimensions after the first;
     * null when the request has no rows to join on (a scalar input, or inputs that disagree on their first dimension).
     */
    static Object joinKey(PredictRequest request) {
        List<Object> key = new ArrayList<>();
        long rows = -1;
        for (InputTensor input : sortedByName(request.inputs())) {
            long[] shape = input.shape();
            if (shape.length == 0 || (rows >= 0 && shape[0] != rows)) {
                return null;
            }
            rows = shape[0];
            key.add(input.name());
            key.add(input.datatype());
            key.add(Arrays.toString(Arrays.copyOfRange(shape, 1, shape.length)));
        }
        return rows < 0 ? null : key;
    }

    /** Requests' inputs joined along the first dimension; the requests agree on their {@link #joinKey}. */
    static Run join(List<PredictRequest> requests) {
        long[] rows = new long[requests.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = rows(requests.get(i));
        }
        List<InputTensor> first = sortedByName(requests.get(0).inputs());
        List<InputTensor> joined = new ArrayList<>(first.size());
        for (int k = 0; k < first.size(); k++) {
            InputTensor template = first.get(k);
            List<Object> parts = new ArrayList<>(requests.size());
            long total = 0;
            for (PredictRequest request : requests) {
                InputTensor input = sortedByName(request.inputs()).get(k);
                parts.add(input.values());
                total += input.shape()[0];
            }
            long[] shape = template.shape().clone();
            shape[0] = total;
            joined.add(new InputTensor(template.name(), template.datatype(), shape, concatenate(parts)));
        }
        return new Run(List.copyOf(requests), rows, joined);
    }

    /**
     * The outputs of a joined run split back per request, by rows, in the run's order of requests.
     *
     * @throws IllegalStateException when an output's first dimension is not the run's rows (the model does not keep
     *     rows apart): the requests must run alone
     */
    public static List<List<OutputTensor>> split(Run run, List<OutputTensor> outputs) {
        long total = run.totalRows();
        List<List<OutputTensor>> perRequest = new ArrayList<>(run.requests().size());
        for (int i = 0; i < run.requests().size(); i++) {
            perRequest.add(new ArrayList<>(outputs.size()));
        }
        for (OutputTensor output : outputs) {
            long[] shape = output.shape();
            if (shape.length == 0 || shape[0] != total) {
                throw new IllegalStateException("output " + output.name() + " has shape " + Arrays.toString(shape)
                        + ", not " + total + " rows: it cannot be split by rows");
            }
            int length = Array.getLength(output.values());
            int perRow = total == 0 ? 0 : (int) (length / total);
            int from = 0;
            for (int i = 0; i < run.rows().length; i++) {
                int to = from + (int) (run.rows()[i] * perRow);
                long[] part = shape.clone();
                part[0] = run.rows()[i];
                perRequest
                        .get(i)
                        .add(new OutputTensor(
                                output.name(), output.datatype(), part, slice(output.values(), from, to)));
                from = to;
            }
        }
        return perRequest;
    }

    /** Each request's share of {@code micros} by its rows (equal shares when no request has rows). */
    public static long[] shares(Run run, long micros) {
        long[] shares = new long[run.rows().length];
        long total = run.totalRows();
        for (int i = 0; i < shares.length; i++) {
            shares[i] = total == 0 ? micros / shares.length : micros * run.rows()[i] / total;
        }
        return shares;
    }

    /**
     * Flat arrays of one type (primitive or {@code byte[][]}) one after the other: rows are the outermost dimension
     * of a row-major array, so joining along it is plain concatenation.
     */
    static Object concatenate(List<Object> arrays) {
        int total = 0;
        for (Object a : arrays) {
            total = Math.addExact(total, Array.getLength(a));
        }
        Object joined = Array.newInstance(arrays.get(0).getClass().getComponentType(), total);
        int at = 0;
        for (Object a : arrays) {
            int n = Array.getLength(a);
            System.arraycopy(a, 0, joined, at, n);
            at += n;
        }
        return joined;
    }

    static Object slice(Object array, int from, int to) {
        Object part = Array.newInstance(array.getClass().getComponentType(), to - from);
        System.arraycopy(array, from, part, 0, to - from);
        return part;
    }

    private static List<InputTensor> sortedByName(List<InputTensor> inputs) {
        if (inputs.size() < 2) {
            return inputs;
        }
        List<InputTensor> sorted = new ArrayList<>(inputs);
        sorted.sort((a, b) -> Objects.compare(a.name(), b.name(), String::compareTo));
        return sorted;
    }
}
