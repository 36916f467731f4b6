package io.aiaas.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.events.ModelEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.OipConformance;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import io.aiaas.common.tfserving.TfServingConformance;
import io.aiaas.gateway.messaging.ModelEventsConsumer;
import io.aiaas.gateway.support.ServingCatalogue;
import io.aiaas.gateway.support.StandInWorker;
import io.aiaas.gateway.support.StandIns;
import io.aiaas.gateway.support.TopicTail;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.messaging.KafkaSettings;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Online prediction through the whole gateway: an API key with {@code predict}, the serving metadata from a stand-in
 * model-service, requests and replies over a real Kafka broker to a stand-in worker (a plain Kafka consumer and
 * producer), usage read back from {@code aiaas.usage.v1} as billing reads it.
 */
@QuarkusTest
@TestProfile(PredictionTest.WithKafka.class)
class PredictionTest {
    static final long DEADLINE_MILLIS = 2_000;

    /** Prediction on, a real broker, a short deadline. */
    public static class WithKafka implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "aiaas.gateway.predict.enabled", "true", "aiaas.gateway.predict.deadline", DEADLINE_MILLIS + "ms");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(
                    new TestResourceEntry(StandIns.class),
                    new TestResourceEntry(InfraTestResource.class, Map.of("kafka", "true")));
        }
    }

    static final String OTHER_TENANT = "ten_otherTenant00000000001";
    static final Signature DOUBLING = new Signature(
            List.of(new TensorSpec("x", Datatype.FP32, List.of(-1L, 4L))),
            List.of(
                    new TensorSpec("sum", Datatype.FP32, List.of(-1L)),
                    new TensorSpec("y", Datatype.FP32, List.of(-1L, 4L))));
    /** Two signatures and no {@code serving_default}: a call must name one. */
    static final Map<String, Signature> MULTI = Map.of(
            "a",
            new Signature(
                    List.of(
                            new TensorSpec("p", Datatype.FP32, List.of(-1L, 2L)),
                            new TensorSpec("q", Datatype.FP32, List.of(-1L, 2L))),
                    List.of(new TensorSpec("r", Datatype.FP32, List.of(-1L, 2L)))),
            "b",
            new Signature(
                    List.of(new TensorSpec("p", Datatype.INT64, List.of(-1L))),
                    List.of(new TensorSpec("s", Datatype.INT64, List.of(-1L)))));

    static final ServingCatalogue CATALOGUE = new ServingCatalogue();
    static StandInWorker worker;
    static TopicTail usage;
    static KafkaProducer<String, String> events;

    @TestHTTPResource("/")
    URI gateway;

    @Inject
    ModelEventsConsumer modelEvents;

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private String key;

    static ServingModel model(String id, String name, Map<String, Integer> aliases, ServingVersion... versions) {
        return new ServingModel(id, name, "tenant", aliases, List.of(versions));
    }

    static ServingVersion version(int v, Map<String, Signature> signatures) {
        return new ServingVersion(v, signatures, Instant.parse("2026-01-01T00:00:00Z"));
    }

    static ServingVersion doubling(int v) {
        return version(v, Map.of(Signature.SERVING_DEFAULT, DOUBLING));
    }

    @BeforeEach
    void setUp() throws Exception {
        StandIns.resetAnswers();
        StandIns.modelService.answerWith(CATALOGUE::answer);
        key = StandIns.registerKey(List.of(Scopes.PREDICT));
        if (worker == null) {
            CATALOGUE.put(
                    StandIns.TENANT, model("mdl_double", "double", Map.of("production", 1), doubling(1), doubling(2)));
            CATALOGUE.put(StandIns.TENANT, model("mdl_multi", "multi", Map.of(), version(1, MULTI)));
            CATALOGUE.put(StandIns.TENANT, model("mdl_silent", "silent", Map.of(), doubling(1)));
            CATALOGUE.put(StandIns.TENANT, model("mdl_refuser", "refuser", Map.of(), doubling(1)));
            CATALOGUE.put(OTHER_TENANT, model("mdl_private", "private", Map.of(), doubling(1)));
            CATALOGUE.put(
                    ServingCatalogue.PLATFORM,
                    new ServingModel("mdl_shared", "shared", "platform", Map.of(), List.of(doubling(1))));
            String kafka = InfraTestResource.kafkaBootstrap();
            awaitReady();
            worker = new StandInWorker(kafka).start();
            worker.serve("mdl_double", PredictionTest::doubleIt);
            worker.serve("mdl_shared", PredictionTest::doubleIt);
            worker.serve("mdl_private", PredictionTest::doubleIt);
            worker.serve("mdl_multi", PredictionTest::multi);
            worker.serve(
                    "mdl_refuser",
                    q -> PredictReply.failure(q.requestId(), 400, "Matrix size-incompatible: In[0]", "cpu", "w1"));
            usage = new TopicTail(kafka, Topics.USAGE).start();
            events = new KafkaProducer<>(new KafkaSettings(kafka).producer("prediction-test-events"));
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (worker != null) {
            worker.close();
            usage.close();
            events.close(Duration.ofSeconds(5));
            worker = null;
        }
    }

    /** y = 2x + version (so the version that ran shows), sum = the row sums of y; as a model would compute them. */
    static PredictReply doubleIt(PredictRequest q) {
        InputTensor x = q.inputs().get(0);
        float[] v = (float[]) x.values();
        long rows = x.shape()[0];
        float[] y = new float[v.length];
        float[] sum = new float[(int) rows];
        for (int i = 0; i < v.length; i++) {
            y[i] = 2 * v[i] + q.version();
            sum[i / 4] += y[i];
        }
        Map<String, OutputTensor> all = new LinkedHashMap<>();
        all.put("sum", new OutputTensor("sum", Datatype.FP32, new long[] {rows}, sum));
        all.put("y", new OutputTensor("y", Datatype.FP32, new long[] {rows, 4}, y));
        List<OutputTensor> outputs = q.outputs().isEmpty()
                ? List.copyOf(all.values())
                : q.outputs().stream().map(all::get).toList();
        return new PredictReply(q.requestId(), 200, null, outputs, "cpu", 1_500, 1, "stand-in");
    }

    /** Signature a: r = p × q; b: s = p + 1. */
    static PredictReply multi(PredictRequest q) {
        List<OutputTensor> outputs;
        if (q.signature().equals("a")) {
            float[] p = (float[]) q.inputs().stream()
                    .filter(i -> i.name().equals("p"))
                    .findFirst()
                    .orElseThrow()
                    .values();
            float[] qq = (float[]) q.inputs().stream()
                    .filter(i -> i.name().equals("q"))
                    .findFirst()
                    .orElseThrow()
                    .values();
            float[] r = new float[p.length];
            for (int i = 0; i < p.length; i++) {
                r[i] = p[i] * qq[i];
            }
            outputs = List.of(new OutputTensor("r", Datatype.FP32, new long[] {p.length / 2, 2}, r));
        } else {
            long[] p = (long[]) q.inputs().get(0).values();
            long[] s = new long[p.length];
            for (int i = 0; i < p.length; i++) {
                s[i] = p[i] + 1;
            }
            outputs = List.of(new OutputTensor("s", Datatype.INT64, new long[] {p.length}, s));
        }
        return new PredictReply(q.requestId(), 200, null, outputs, "gpu", 2_000, 1, "stand-in");
    }

    /** An answer: status, headers we look at, the body as JSON (null when empty). */
    record Answer(int status, String requestId, String contentType, String retryAfter, String allow, JsonNode body) {
        String error() {
            return body.path("error").asText(null);
        }
    }

    Answer call(String method, String path, String body) throws Exception {
        return call(method, path, body, key);
    }

    Answer call(String method, String path, String body, String apiKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        Answer a = answer(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
        if (a.status() >= 400) {
            // every error body on both protocols is also the protocol's own error object
            if (path.startsWith("/v2")) {
                OipConformance.assertConforms(method + " " + path, OipConformance.errorBody(a.body()));
            } else {
                TfServingConformance.assertConforms(method + " " + path, TfServingConformance.errorBody(a.body()));
            }
        }
        return a;
    }

    static Answer answer(HttpResponse<String> r) throws Exception {
        JsonNode body = r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
        return new Answer(
                r.statusCode(),
                r.headers().firstValue("X-Request-Id").orElse(null),
                r.headers().firstValue("Content-Type").orElse(null),
                r.headers().firstValue("Retry-After").orElse(null),
                r.headers().firstValue("Allow").orElse(null),
                body);
    }

    void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (call("GET", "/v2/health/ready", null).status() != 200) {
            assertTrue(System.nanoTime() < deadline, "the gateway never got a reply partition");
            Thread.sleep(200);
        }
    }

    /** A refusal as both protocols show it: problem+json with the protocol's {@code error} member (the detail). */
    static void assertProblem(Answer a, int status, String slug, String what) {
        assertEquals(status, a.status(), what + ": " + a.body());
        assertEquals("application/problem+json", a.contentType(), what);
        assertEquals("/problems/" + slug, a.body().path("type").asText(), what);
        assertNotNull(a.error(), what + ": no 'error' member in " + a.body());
        assertEquals(a.body().path("detail").asText(), a.error(), what);
        assertTrue(a.body().path("requestId").asText().startsWith("req_"), what);
    }

    static List<Double> numbers(JsonNode array) {
        List<Double> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asDouble()));
        return values;
    }

    /** The usage events billing has seen for these request ids, by event id. */
    static Map<String, List<JsonNode>> usageOf(Set<String> requestIds) throws Exception {
        Map<String, List<JsonNode>> found = new LinkedHashMap<>();
        for (TopicTail.Message m : usage.messages()) {
            JsonNode event = Json.mapper().readTree(m.value());
            if (requestIds.contains(event.path("data").path("requestId").asText())) {
                found.computeIfAbsent(event.path("id").asText(), id -> new ArrayList<>())
                        .add(event);
            }
        }
        return found;
    }

    static JsonNode awaitUsage(String requestId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<JsonNode> events = usageOf(Set.of(requestId)).get("usage-" + requestId);
            if (events != null) {
                return events.get(0);
            }
            assertTrue(System.nanoTime() < deadline, "no usage event for " + requestId);
            Thread.sleep(20);
        }
    }

    @Test
    void serverMetadataAndHealthAnswerAsTheProtocolSays() throws Exception {
        Answer server = call("GET", "/v2", null);
        assertEquals(200, server.status());
        assertEquals("aiaas", server.body().path("name").asText());
        assertTrue(server.body().path("version").isTextual());
        assertTrue(server.body().path("extensions").isArray());
        OipConformance.assertConforms("server metadata", OipConformance.serverMetadata(server.body()));
        JsonNode live = call("GET", "/v2/health/live", null).body();
        assertTrue(live.path("live").asBoolean());
        OipConformance.assertConforms("live", OipConformance.serverLive(live));
        JsonNode ready = call("GET", "/v2/health/ready", null).body();
        assertTrue(ready.path("ready").asBoolean());
        OipConformance.assertConforms("ready", OipConformance.serverReady(ready));
    }

    @Test
    void inferRelaysTheWorkersValuesAndBillsItOnceBeforeAnswering() throws Exception {
        Answer a = call(
                "POST",
                "/v2/models/double/infer",
                "{\"id\":\"call-1\",\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
                        + "\"data\":[[1,2,3,4],[0.5,-1,0,10]]}]}");
        assertEquals(200, a.status(), String.valueOf(a.body()));
        assertEquals("application/json", a.contentType());
        assertEquals("double", a.body().path("model_name").asText());
        assertEquals("1", a.body().path("model_version").asText(), "alias production → 1");
        assertEquals("call-1", a.body().path("id").asText());
        OipConformance.assertConforms("infer", OipConformance.inferenceResponse(a.body(), "call-1"));
        JsonNode outputs = a.body().path("outputs");
        assertEquals(2, outputs.size());
        JsonNode y = outputs.get(1);
        assertEquals("y", y.path("name").asText());
        assertEquals("FP32", y.path("datatype").asText());
        assertEquals(List.of(2.0, 4.0), numbers(y.path("shape")));
        assertEquals(List.of(3.0, 5.0, 7.0, 9.0, 2.0, -1.0, 1.0, 21.0), numbers(y.path("data")));
        assertEquals(List.of(24.0, 23.0), numbers(outputs.get(0).path("data")));

        String requestId = a.requestId();
        assertTrue(requestId.startsWith("req_"), requestId);
        StandInWorker.Seen seen = worker.seen().stream()
                .filter(s -> s.request().requestId().equals(requestId))
                .findFirst()
                .orElseThrow();
        assertEquals("mdl_double/1", seen.key());
        assertEquals(requestId, seen.requestIdHeader());
        assertNotNull(seen.traceparent(), "the trace travels on to the worker");
        assertEquals(StandIns.TENANT, seen.request().tenantId());
        assertEquals(Signature.SERVING_DEFAULT, seen.request().signature());

        awaitUsage(requestId);
        Thread.sleep(300);
        List<JsonNode> billed = usageOf(Set.of(requestId)).get("usage-" + requestId);
        assertEquals(1, billed.size(), "billed once");
        JsonNode event = billed.get(0);
        assertEquals("io.aiaas.usage.predict", event.path("type").asText());
        assertEquals(StandIns.TENANT, event.path("subject").asText());
        JsonNode data = event.path("data");
        assertEquals(StandIns.TENANT, data.path("tenantId").asText());
        assertEquals("double", data.path("model").asText());
        assertEquals(1, data.path("version").asInt());
        assertEquals("cpu", data.path("device").asText());
        assertEquals(2, data.path("examples").asLong());
        assertEquals(2, data.path("computeMillis").asLong(), "1,500 µs → 2 ms");
        assertEquals(1, data.path("units").asLong());
        assertTrue(usage.messages().stream()
                .filter(m -> m.value().contains(requestId))
                .allMatch(m -> StandIns.TENANT.equals(m.key())));
    }

    @Test
    void versionSignatureAndRequestedOutputsAreTheCallersChoice() throws Exception {
        Answer v2 = call(
                "POST",
                "/v2/models/double/versions/2/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}],"
                        + "\"outputs\":[{\"name\":\"sum\"}]}");
        assertEquals(200, v2.status(), String.valueOf(v2.body()));
        assertEquals("2", v2.body().path("model_version").asText());
        assertFalse(v2.body().has("id"), "no id asked, none echoed");
        OipConformance.assertConforms("infer without id", OipConformance.inferenceResponse(v2.body()));
        assertEquals(1, v2.body().path("outputs").size());
        assertEquals(List.of(16.0), numbers(v2.body().path("outputs").get(0).path("data")));

        Answer b = call(
                "POST",
                "/v2/models/multi/infer",
                "{\"parameters\":{\"signature_name\":\"b\"},"
                        + "\"inputs\":[{\"name\":\"p\",\"shape\":[3],\"datatype\":\"INT64\",\"data\":[1,-5,9007199254740993]}]}");
        assertEquals(200, b.status(), String.valueOf(b.body()));
        JsonNode s = b.body().path("outputs").get(0);
        assertEquals("INT64", s.path("datatype").asText());
        assertEquals(9007199254740994L, s.path("data").get(2).asLong(), "int64 values travel exactly");
        assertEquals(-4, s.path("data").get(1).asLong());
        JsonNode gpu = awaitUsage(b.requestId()).path("data");
        assertEquals("gpu", gpu.path("device").asText());
        assertEquals(1, gpu.path("units").asLong(), "2 ms at 10 units/s → ceil(0.02) = 1");

        Answer a = call(
                "POST",
                "/v2/models/multi/infer",
                "{\"parameters\":{\"signature_name\":\"a\"},\"inputs\":["
                        + "{\"name\":\"q\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[3,4]},"
                        + "{\"name\":\"p\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[[2,0.5]]}]}");
        assertEquals(200, a.status(), String.valueOf(a.body()));
        assertEquals(List.of(6.0, 2.0), numbers(a.body().path("outputs").get(0).path("data")));
    }

    @Test
    void concurrentPredictionsAreEachAnsweredAndBilledExactlyOnce() throws Exception {
        int n = 48;
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v2/models/double/infer"))
                    .header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"c" + i
                            + "\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[" + i
                            + ",0,0,0]}]}"))
                    .build();
            calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        Set<String> requestIds = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Answer a = answer(calls.get(i).get(30, TimeUnit.SECONDS));
            assertEquals(200, a.status(), String.valueOf(a.body()));
            assertEquals("c" + i, a.body().path("id").asText(), "each caller gets its own answer");
            assertEquals(
                    2.0 * i + 1,
                    a.body().path("outputs").get(1).path("data").get(0).asDouble());
            requestIds.add(a.requestId());
        }
        Thread.sleep(500);
        Map<String, List<JsonNode>> billed = usageOf(requestIds);
        assertEquals(n, billed.size());
        billed.forEach((id, events) -> assertEquals(1, events.size(), id + " billed more than once"));
    }

    @Test
    void badInputIsRefusedWithTheProtocolsErrorAndNothingIsSentOrBilled() throws Exception {
        String x14 = "{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}";
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("wrong shape", new Object[] {
            "/v2/models/double/infer",
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}",
            400
        });
        cases.put("wrong datatype", new Object[] {
            "/v2/models/double/infer",
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"INT32\",\"data\":[1,2,3,4]}]}",
            400
        });
        cases.put("missing input", new Object[] {
            "/v2/models/multi/infer",
            "{\"parameters\":{\"signature_name\":\"a\"},"
                    + "\"inputs\":[{\"name\":\"p\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,2]}]}",
            400
        });
        cases.put("no inputs", new Object[] {"/v2/models/double/infer", "{\"inputs\":[]}", 400});
        cases.put("extra input", new Object[] {
            "/v2/models/double/infer",
            "{\"inputs\":[" + x14 + ",{\"name\":\"z\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}",
            400
        });
        cases.put(
                "duplicate input",
                new Object[] {"/v2/models/double/infer", "{\"inputs\":[" + x14 + "," + x14 + "]}", 400});
        cases.put("ragged data", new Object[] {
            "/v2/models/double/infer",
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[[1,2,3,4],[1,2,3,5,6]]}]}",
            400
        });
        cases.put("value outside FP32", new Object[] {
            "/v2/models/double/infer",
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1e39,2,3,4]}]}",
            400
        });
        cases.put("unknown signature", new Object[] {
            "/v2/models/double/infer", "{\"parameters\":{\"signature_name\":\"nope\"},\"inputs\":[" + x14 + "]}", 400
        });
        cases.put("no default signature", new Object[] {
            "/v2/models/multi/infer",
            "{\"inputs\":[{\"name\":\"p\",\"shape\":[1],\"datatype\":\"INT64\",\"data\":[1]}]}",
            400
        });
        cases.put("unknown output", new Object[] {
            "/v2/models/double/infer", "{\"inputs\":[" + x14 + "],\"outputs\":[{\"name\":\"logits\"}]}", 400
        });
        cases.put("output twice", new Object[] {
            "/v2/models/double/infer", "{\"inputs\":[" + x14 + "],\"outputs\":[{\"name\":\"y\"},{\"name\":\"y\"}]}", 400
        });
        cases.put("malformed JSON", new Object[] {"/v2/models/double/infer", "{\"inputs\":[{\"name\":", 400});
        cases.put("trailing content", new Object[] {"/v2/models/double/infer", "{\"inputs\":[" + x14 + "]} {}", 400});
        cases.put("wrong JSON type", new Object[] {"/v2/models/double/infer", "{\"inputs\":5}", 400});
        cases.put("no body", new Object[] {"/v2/models/double/infer", null, 400});
        cases.put("unknown model", new Object[] {"/v2/models/nope/infer", "{\"inputs\":[" + x14 + "]}", 404});
        cases.put(
                "unknown version",
                new Object[] {"/v2/models/double/versions/9/infer", "{\"inputs\":[" + x14 + "]}", 404});
        cases.put(
                "version not a number",
                new Object[] {"/v2/models/double/versions/latest/infer", "{\"inputs\":[" + x14 + "]}", 404});
        cases.put(
                "TF Serving: wrong shape",
                new Object[] {"/tfserving/v1/models/double:predict", "{\"instances\":[[1,2,3]]}", 400});
        cases.put(
                "TF Serving: ragged instances",
                new Object[] {"/tfserving/v1/models/double:predict", "{\"instances\":[[1,2,3,4],[1,2,3]]}", 400});
        cases.put("TF Serving: both forms", new Object[] {
            "/tfserving/v1/models/double:predict", "{\"instances\":[[1,2,3,4]],\"inputs\":[[1,2,3,4]]}", 400
        });
        cases.put(
                "TF Serving: malformed JSON",
                new Object[] {"/tfserving/v1/models/double:predict", "{\"instances\"", 400});
        cases.put("TF Serving: unknown signature", new Object[] {
            "/tfserving/v1/models/double:predict", "{\"signature_name\":\"nope\",\"instances\":[[1,2,3,4]]}", 400
        });
        cases.put(
                "TF Serving: unknown label",
                new Object[] {"/tfserving/v1/models/double/labels/canary:predict", "{\"instances\":[[1,2,3,4]]}", 404});
        Set<String> refused = new HashSet<>();
        for (Map.Entry<String, Object[]> c : cases.entrySet()) {
            Object[] v = c.getValue();
            Answer a = call("POST", (String) v[0], (String) v[1]);
            int status = (int) v[2];
            assertProblem(a, status, status == 400 ? "invalid-request" : "not-found", c.getKey());
            refused.add(a.requestId());
        }

        Map<String, Object> fewRows = StandIns.plan("few-rows", 1_048_576, 52_428_800);
        fewRows.put("maxBatchRows", 2);
        Answer rows = call(
                "POST",
                "/v2/models/double/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[3,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4,1,2,3,4,1,2,3,4]}]}",
                StandIns.registerKey(List.of(Scopes.PREDICT), fewRows));
        assertProblem(rows, 413, "payload-too-large", "too many rows");
        assertTrue(rows.error().contains("maxBatchRows"), rows.error());
        refused.add(rows.requestId());

        String tinyKey = StandIns.registerKey(List.of(Scopes.PREDICT), StandIns.plan("tiny", 1_000, 5_000));
        String big = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}],"
                + "\"id\":\"" + "a".repeat(1_200) + "\"}";
        Answer tooBig = call("POST", "/v2/models/double/infer", big, tinyKey);
        assertProblem(tooBig, 413, "payload-too-large", "over maxRequestBytes");
        Answer tooBigTf = call("POST", "/tfserving/v1/models/double:predict", big, tinyKey);
        assertProblem(tooBigTf, 413, "payload-too-large", "over maxRequestBytes (TF Serving)");
        refused.add(tooBig.requestId());

        HttpResponse<String> binary = http.send(
                HttpRequest.newBuilder(gateway.resolve("/v2/models/double/infer"))
                        .header("Authorization", "Bearer " + key)
                        .header("Inference-Header-Content-Length", "80")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[" + x14 + "]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Answer binaryAnswer = answer(binary);
        assertProblem(binaryAnswer, 400, "invalid-request", "binary tensor extension");
        assertTrue(binaryAnswer.error().contains("binary_data=False"), binaryAnswer.error());
        refused.add(binaryAnswer.requestId());

        Answer byWorker = call("POST", "/v2/models/refuser/infer", "{\"inputs\":[" + x14 + "]}");
        assertProblem(byWorker, 400, "invalid-request", "refused by the worker");
        assertTrue(byWorker.error().contains("Matrix size-incompatible"), byWorker.error());

        Answer method = call("GET", "/v2/models/double/infer", null);
        assertProblem(method, 405, "method-not-allowed", "GET on infer");
        assertEquals("POST", method.allow());
        Answer method2 = call("POST", "/v2/models/double", "{}");
        assertProblem(method2, 405, "method-not-allowed", "POST on metadata");
        assertEquals("GET", method2.allow());
        assertProblem(call("GET", "/v2/models/double/explain", null), 404, "not-found", "unknown path");
        assertProblem(call("GET", "/tfserving/v1/models/double:classify", null), 404, "not-found", "classify");

        Thread.sleep(500);
        Set<String> sent = new HashSet<>();
        worker.seen().forEach(s -> sent.add(s.request().requestId()));
        for (String id : refused) {
            assertFalse(sent.contains(id), id + " was refused but sent to a worker");
        }
        refused.add(byWorker.requestId());
        assertEquals(Map.of(), usageOf(refused), "refused predictions are not billed");
    }

    @Test
    void aPredictionPastItsDeadlineIs504WithRetryAfterAndIsNotBilled() throws Exception {
        long start = System.nanoTime();
        long startedAt = System.currentTimeMillis();
        Answer a = call(
                "POST",
                "/v2/models/silent/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertProblem(a, 504, "deadline-exceeded", "no worker answers");
        assertNotNull(a.retryAfter());
        assertTrue(tookMillis >= DEADLINE_MILLIS - 50, "answered before the deadline: " + tookMillis + " ms");
        assertTrue(tookMillis < DEADLINE_MILLIS + 1_500, "answered long after the deadline: " + tookMillis + " ms");
        assertTrue(
                worker.seen().stream().anyMatch(s -> s.request().requestId().equals(a.requestId())),
                "the request was sent");
        long deadline = worker.seen().stream()
                .filter(s -> s.request().requestId().equals(a.requestId()))
                .findFirst()
                .orElseThrow()
                .request()
                .deadlineEpochMillis();
        assertTrue(
                deadline >= startedAt + DEADLINE_MILLIS && deadline <= startedAt + DEADLINE_MILLIS + 1_000,
                "the request carries its deadline: " + (deadline - startedAt) + " ms after the call");
        Thread.sleep(300);
        assertEquals(Map.of(), usageOf(Set.of(a.requestId())));
    }

    @Test
    void anotherTenantsModelIsNotFoundOnEveryRouteWhileThePlatformsIsServed() throws Exception {
        String body = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";
        for (String path : List.of(
                "/v2/models/private",
                "/v2/models/private/ready",
                "/v2/models/private/versions/1",
                "/tfserving/v1/models/private",
                "/tfserving/v1/models/private/metadata")) {
            assertProblem(call("GET", path, null), 404, "not-found", path);
        }
        assertProblem(call("POST", "/v2/models/private/infer", body), 404, "not-found", "infer");
        assertProblem(
                call("POST", "/tfserving/v1/models/private:predict", "{\"instances\":[[1,2,3,4]]}"),
                404,
                "not-found",
                "predict");

        Answer shared = call("POST", "/v2/models/shared/infer", body);
        assertEquals(200, shared.status(), String.valueOf(shared.body()));
        assertEquals(
                "shared",
                awaitUsage(shared.requestId()).path("data").path("model").asText());
    }

    @Test
    void modelMetadataAndReadinessComeFromTheCatalogue() throws Exception {
        JsonNode all = call("GET", "/v2/models/double", null).body();
        assertEquals("double", all.path("name").asText());
        assertEquals(List.of("1", "2"), texts(all.path("versions")));
        assertEquals("tensorflow_savedmodel", all.path("platform").asText());
        JsonNode x = all.path("inputs").get(0);
        assertEquals("x", x.path("name").asText());
        assertEquals("FP32", x.path("datatype").asText());
        assertEquals(List.of(-1.0, 4.0), numbers(x.path("shape")));
        assertEquals(List.of("serving_default"), texts(all.path("parameters").path("signatures")));
        OipConformance.assertConforms("model metadata", OipConformance.modelMetadata(all));
        assertEquals(
                List.of("2"),
                texts(call("GET", "/v2/models/double/versions/2", null).body().path("versions")));
        assertEquals(
                List.of("a", "b"),
                texts(call("GET", "/v2/models/multi", null)
                        .body()
                        .path("parameters")
                        .path("signatures")));

        JsonNode ready = call("GET", "/v2/models/double/ready", null).body();
        assertEquals("double", ready.path("name").asText());
        assertTrue(ready.path("ready").asBoolean());
        JsonNode readyV2 =
                call("GET", "/v2/models/double/versions/2/ready", null).body();
        assertEquals("2", readyV2.path("version").asText());
        assertTrue(readyV2.path("ready").asBoolean());
        assertProblem(call("GET", "/v2/models/double/versions/3/ready", null), 404, "not-found", "version 3");
        assertProblem(call("GET", "/v2/models/double/versions/0", null), 404, "not-found", "version 0");
        assertProblem(call("GET", "/v2/models/Not_A_Name", null), 404, "not-found", "not a model name");
    }

    @Test
    void tfServingStatusMetadataAndPredictInRowAndColumnarForm() throws Exception {
        JsonNode status = call("GET", "/tfserving/v1/models/double", null).body();
        assertEquals(2, status.path("model_version_status").size());
        TfServingConformance.assertConforms("status", TfServingConformance.status(status));
        JsonNode one = call("GET", "/tfserving/v1/models/double/versions/2", null)
                .body()
                .path("model_version_status");
        assertEquals(1, one.size());
        assertEquals("2", one.get(0).path("version").asText());
        assertEquals("AVAILABLE", one.get(0).path("state").asText());
        assertEquals(
                "1",
                call("GET", "/tfserving/v1/models/double/labels/production", null)
                        .body()
                        .path("model_version_status")
                        .get(0)
                        .path("version")
                        .asText());
        JsonNode metadata =
                call("GET", "/tfserving/v1/models/double/metadata", null).body();
        assertEquals("1", metadata.path("model_spec").path("version").asText());
        JsonNode def = metadata.path("metadata")
                .path("signature_def")
                .path("signature_def")
                .path("serving_default");
        assertEquals("DT_FLOAT", def.path("inputs").path("x").path("dtype").asText());
        assertEquals("tensorflow/serving/predict", def.path("method_name").asText());
        TfServingConformance.assertConforms("metadata", TfServingConformance.metadata(metadata));

        Answer rows = call("POST", "/tfserving/v1/models/double:predict", "{\"instances\":[[1,2,3,4],[0,0,0,1]]}");
        assertEquals(200, rows.status(), String.valueOf(rows.body()));
        TfServingConformance.assertConforms("row predict", TfServingConformance.predictRow(rows.body()));
        JsonNode predictions = rows.body().path("predictions");
        assertEquals(2, predictions.size());
        assertEquals(List.of(3.0, 5.0, 7.0, 9.0), numbers(predictions.get(0).path("y")));
        assertEquals(6.0, predictions.get(1).path("sum").asDouble());
        assertEquals(
                2, awaitUsage(rows.requestId()).path("data").path("examples").asLong());

        Answer columnar = call(
                "POST",
                "/tfserving/v1/models/double/versions/2:predict",
                "{\"signature_name\":\"serving_default\",\"inputs\":{\"x\":[[1,1,1,1]]}}");
        assertEquals(200, columnar.status(), String.valueOf(columnar.body()));
        TfServingConformance.assertConforms("columnar predict", TfServingConformance.predictColumnar(columnar.body()));
        JsonNode outputs = columnar.body().path("outputs");
        assertEquals(List.of(4.0, 4.0, 4.0, 4.0), numbers(outputs.path("y").get(0)));
        assertEquals(16.0, outputs.path("sum").get(0).asDouble());

        Answer labelled =
                call("POST", "/tfserving/v1/models/double/labels/production:predict", "{\"instances\":[[0,0,0,0]]}");
        assertEquals(200, labelled.status(), String.valueOf(labelled.body()));
        assertEquals(4.0, labelled.body().path("predictions").get(0).path("sum").asDouble(), "version 1 ran");
    }

    @Test
    void aModelEventDropsTheCachedMetadataWithinASecond() throws Exception {
        awaitModelEvents();
        CATALOGUE.put(StandIns.TENANT, model("mdl_growing", "growing", Map.of(), doubling(1)));
        assertEquals(
                List.of("1"),
                texts(call("GET", "/v2/models/growing", null).body().path("versions")));
        CATALOGUE.put(StandIns.TENANT, model("mdl_growing", "growing", Map.of(), doubling(1), doubling(2)));
        assertEquals(
                List.of("1"),
                texts(call("GET", "/v2/models/growing", null).body().path("versions")),
                "served from the cache until told");

        ModelEvent created = new ModelEvent(
                "evt_growing_2",
                ModelEvent.VERSION_CREATED,
                StandIns.TENANT,
                "mdl_growing",
                "growing",
                2,
                null,
                Instant.now());
        events.send(new ProducerRecord<>(Topics.MODEL_EVENTS, "mdl_growing", Json.write(created)))
                .get(5, TimeUnit.SECONDS);
        long sent = System.nanoTime();
        while (!texts(call("GET", "/v2/models/growing", null).body().path("versions"))
                .equals(List.of("1", "2"))) {
            assertTrue(System.nanoTime() - sent < TimeUnit.SECONDS.toNanos(1), "the event was not applied within 1 s");
            Thread.sleep(10);
        }
    }

    @Test
    void aPlatformModelEventDropsEveryTenantsEntry() throws Exception {
        awaitModelEvents();
        CATALOGUE.put(
                ServingCatalogue.PLATFORM,
                new ServingModel("mdl_catalogue", "catalogue", "platform", Map.of(), List.of(doubling(1))));
        assertEquals(
                List.of("1"),
                texts(call("GET", "/v2/models/catalogue", null).body().path("versions")));
        CATALOGUE.put(
                ServingCatalogue.PLATFORM,
                new ServingModel(
                        "mdl_catalogue",
                        "catalogue",
                        "platform",
                        Map.of("production", 1),
                        List.of(doubling(1), doubling(2))));
        ModelEvent aliased = new ModelEvent(
                "evt_catalogue",
                ModelEvent.ALIAS_SET,
                null,
                "mdl_catalogue",
                "catalogue",
                1,
                "production",
                Instant.now());
        events.send(new ProducerRecord<>(Topics.MODEL_EVENTS, "mdl_catalogue", Json.write(aliased)))
                .get(5, TimeUnit.SECONDS);
        long sent = System.nanoTime();
        while (call("GET", "/v2/models/catalogue", null).body().path("versions").size() != 2) {
            assertTrue(System.nanoTime() - sent < TimeUnit.SECONDS.toNanos(1), "the event was not applied within 1 s");
            Thread.sleep(10);
        }
    }

    @Test
    void aVersionTheCachedEntryLacksIsAskedForOnceMore() throws Exception {
        CATALOGUE.put(StandIns.TENANT, model("mdl_fresh", "fresh", Map.of(), doubling(1)));
        assertEquals(200, call("GET", "/v2/models/fresh", null).status());
        int before = CATALOGUE.fetches("fresh");
        CATALOGUE.put(StandIns.TENANT, model("mdl_fresh", "fresh", Map.of(), doubling(1), doubling(2)));
        assertEquals(200, call("GET", "/v2/models/fresh/versions/2", null).status(), "asked again, found");
        assertEquals(before + 1, CATALOGUE.fetches("fresh"));

        assertEquals(404, call("GET", "/v2/models/fresh/versions/7", null).status());
        assertEquals(404, call("GET", "/v2/models/fresh/versions/7", null).status());
        assertEquals(404, call("GET", "/v2/models/fresh/versions/7", null).status());
        assertEquals(before + 2, CATALOGUE.fetches("fresh"), "a missing version is asked for once, not per call");
    }

    @Test
    void concurrentCallsForAnUncachedModelShareOneLoad() throws Exception {
        CATALOGUE.put(StandIns.TENANT, model("mdl_slow", "slow", Map.of(), doubling(1)));
        CATALOGUE.delay("slow", 300);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            calls.add(http.sendAsync(
                    HttpRequest.newBuilder(gateway.resolve("/v2/models/slow"))
                            .header("Authorization", "Bearer " + key)
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            assertEquals(200, c.get(30, TimeUnit.SECONDS).statusCode());
        }
        assertEquals(1, CATALOGUE.fetches("slow"));
    }

    @Test
    void withoutThePredictScopeEveryRouteIs403() throws Exception {
        String readOnly = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        Answer a = call("GET", "/v2/health/ready", null, readOnly);
        assertProblem(a, 403, "forbidden", "no predict scope");
        assertProblem(
                call("POST", "/tfserving/v1/models/double:predict", "{\"instances\":[[1,2,3,4]]}", readOnly),
                403,
                "forbidden",
                "no predict scope");
    }

    void awaitModelEvents() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!modelEvents.state().orElseThrow().consuming()) {
            assertTrue(System.nanoTime() < deadline, "model events never consumed");
            Thread.sleep(50);
        }
    }

    static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
