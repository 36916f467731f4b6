package io.aiaas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aiaas.common.json.Json;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Open Inference Protocol infer calls of one model (version) through the gateway: one row of FP32 features per
 * request, {@code POST /v2/models/{name}[/versions/{v}]/infer}, cycling through a set of inputs whose outputs were
 * computed in process beforehand; every {@code checkEvery}-th answer is compared with them. A benchmark that answers
 * wrong is not a benchmark.
 */
final class InferCalls implements Supplier<LoadGenerator.Call> {
    /**
     * Outputs of the platform and of the in-process run agree within this: the worker may run a row batched with
     * others, which sums in another order.
     */
    static final double TOLERANCE = 1e-5;

    private static final ObjectMapper JSON = Json.mapper();

    private final String path;
    private final Map<String, String> headers;
    private final List<Buffer> bodies = new ArrayList<>();
    private final List<float[]> expected;
    private final int checkEvery;
    private long next;

    private final AtomicLong checked = new AtomicLong();
    private final AtomicLong wrong = new AtomicLong();
    private final AtomicReference<String> firstWrong = new AtomicReference<>();

    /**
     * @param version null: the model's default version
     * @param inputs one row each
     * @param expected the in-process output for each input
     */
    InferCalls(
            String model,
            Integer version,
            String apiKey,
            List<float[]> inputs,
            List<float[]> expected,
            int checkEvery) {
        if (inputs.size() != expected.size() || inputs.isEmpty()) {
            throw new IllegalArgumentException("one expected output per input, at least one");
        }
        this.path = path(model, version);
        this.headers = Map.of("Authorization", "Bearer " + apiKey, "Content-Type", "application/json");
        for (float[] row : inputs) {
            bodies.add(Buffer.buffer(body(row)));
        }
        this.expected = List.copyOf(expected);
        this.checkEvery = Math.max(1, checkEvery);
    }

    static String path(String model, Integer version) {
        return "/v2/models/" + model + (version == null ? "" : "/versions/" + version) + "/infer";
    }

    /** {@code {"inputs":[{"name":"x","datatype":"FP32","shape":[1,n],"data":[…]}]}}. */
    static String body(float[] row) {
        StringBuilder s = new StringBuilder(row.length * 8 + 80);
        s.append("{\"inputs\":[{\"name\":\"")
                .append(DenseSavedModel.INPUT)
                .append("\",\"datatype\":\"FP32\",\"shape\":[1,")
                .append(row.length)
                .append("],\"data\":[");
        for (int i = 0; i < row.length; i++) {
            if (i > 0) {
                s.append(',');
            }
            // Float.toString reads back as the same float, so the platform sees exactly the in-process input.
            s.append(Float.toString(row[i]));
        }
        return s.append("]}]}").toString();
    }

    @Override
    public LoadGenerator.Call get() {
        // The generator asks on its one event loop only.
        long n = next++;
        int i = (int) (n % bodies.size());
        return new LoadGenerator.Call(
                HttpMethod.POST, path, headers, bodies.get(i), n % checkEvery == 0 ? answer -> check(answer, i) : null);
    }

    String path() {
        return path;
    }

    Buffer body(int i) {
        return bodies.get(i);
    }

    int inputs() {
        return bodies.size();
    }

    /** Null when the answer to input {@code i} is right; else what is wrong (counted, and the first kept). */
    String check(Buffer answer, int i) {
        checked.incrementAndGet();
        String problem = problem(answer.toString(), expected.get(i));
        if (problem != null) {
            wrong.incrementAndGet();
            firstWrong.compareAndSet(null, "input " + i + ": " + problem);
        }
        return problem;
    }

    long checked() {
        return checked.get();
    }

    long wrong() {
        return wrong.get();
    }

    String firstWrong() {
        return firstWrong.get();
    }

    /**
     * What is wrong with an OIP infer response for one row whose output {@code y} should be {@code want}; null when
     * nothing is. {@code data} may be flat or nested, as the protocol allows.
     */
    static String problem(String answer, float[] want) {
        JsonNode body;
        try {
            body = JSON.readTree(answer);
        } catch (IOException e) {
            return "not JSON: " + abbreviate(answer);
        }
        JsonNode output = null;
        for (JsonNode o : body.path("outputs")) {
            if (DenseSavedModel.OUTPUT.equals(o.path("name").asText())) {
                output = o;
            }
        }
        if (output == null) {
            return "no output " + DenseSavedModel.OUTPUT + ": " + abbreviate(answer);
        }
        if (!"FP32".equals(output.path("datatype").asText())) {
            return "datatype " + output.path("datatype");
        }
        JsonNode shape = output.path("shape");
        if (shape.size() != 2 || shape.get(0).asLong() != 1 || shape.get(1).asLong() != want.length) {
            return "shape " + shape + ", wanted [1," + want.length + "]";
        }
        List<Double> data = new ArrayList<>();
        flatten(output.path("data"), data);
        if (data.size() != want.length) {
            return data.size() + " values, wanted " + want.length;
        }
        for (int j = 0; j < want.length; j++) {
            double difference = Math.abs(data.get(j) - want[j]);
            if (!(difference <= TOLERANCE)) {
                return "y[" + j + "] = " + data.get(j) + ", in process " + want[j];
            }
        }
        return null;
    }

    private static void flatten(JsonNode node, List<Double> into) {
        if (node.isArray()) {
            node.forEach(child -> flatten(child, into));
        } else {
            into.add(node.isNumber() ? node.asDouble() : Double.NaN);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }
}
