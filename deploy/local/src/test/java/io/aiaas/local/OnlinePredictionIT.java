package io.aiaas.local;

import static io.aiaas.local.ItSupport.newTenant;
import static io.aiaas.local.ItSupport.uploadModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.OipConformance;
import io.aiaas.common.tfserving.TfServingConformance;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.infra.fixtures.TypedSavedModel;
import io.aiaas.infra.testing.SharedTestData;
import io.aiaas.local.ServiceProcess.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Online prediction end to end on the packaged platform, as KServe, Triton and TF Serving clients call it: the Open
 * Inference Protocol at {@code /v2} and TF Serving's REST API at {@code /tfserving}, through the gateway, Kafka and a
 * worker. Every answer is checked against values computed here; usage counts exactly the answered predictions.
 */
@ExtendWith(SharedPlatform.class)
class OnlinePredictionIT {
    /** The gateway's default deadline (aiaas.gateway.predict.deadline). */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private static final int IN = 4;
    private static final int HIDDEN = 5;
    private static final int OUT = 3;

    private static PlatformRuntime platform;
    private static PlatformClient api;
    private static String admin;
    private static Path work;

    /** Version 1 and 2 of the dense model: two layers with ReLU between, different weights. */
    private static float[][] w1a;

    private static float[] b1a;
    private static float[][] w2a;
    private static float[] b2a;
    private static float[][] w1b;
    private static float[] b1b;
    private static float[][] w2b;
    private static float[] b2b;
    private static byte[] denseV1;
    private static byte[] denseV2;

    @BeforeAll
    static void start() throws Exception {
        platform = SharedPlatform.platform();
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
        work = Files.createTempDirectory("aiaas-predict-it");
        Random random = new Random(9);
        w1a = matrix(random, IN, HIDDEN);
        b1a = vector(random, HIDDEN);
        w2a = matrix(random, HIDDEN, OUT);
        b2a = vector(random, OUT);
        w1b = matrix(random, IN, HIDDEN);
        b1b = vector(random, HIDDEN);
        w2b = matrix(random, HIDDEN, OUT);
        b2b = vector(random, OUT);
        denseV1 = export("dense-v1", List.of(w1a, w2a), List.of(b1a, b2a));
        denseV2 = export("dense-v2", List.of(w1b, w2b), List.of(b1b, b2b));
    }

    @AfterAll
    static void cleanUp() {
        SavedModelArchive.deleteTree(work);
    }

    @Test
    void aDenseModelAnswersThroughBothProtocolsWithItsWeightsAndEveryAnswerIsBilledOnce() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-predict");
        uploadModel(api, t, "dense", denseV1);
        AtomicLong answered = new AtomicLong();
        float[][] rows = {{1, 2, 3, 4}, {-1, 0.5f, 0, 2}, {0, 0, 0, 0}};

        // OIP, nested data, id echoed
        var nested = infer(t, "/v2/models/dense/infer", oipBody("call-1", rows, true, null));
        assertEquals(200, nested.status(), nested::toString);
        answered.incrementAndGet();
        JsonNode body = nested.json();
        OipConformance.assertConforms("infer response", OipConformance.inferenceResponse(body, "call-1"));
        assertEquals("dense", body.path("model_name").asText(), body::toString);
        assertEquals("1", body.path("model_version").asText(), body::toString);
        assertEquals("call-1", body.path("id").asText(), body::toString);
        assertOutput(body.path("outputs").get(0), "y", rows.length, expected(rows, w1a, b1a, w2a, b2a));

        // OIP, flat data, versioned path, requested output
        var flat = infer(t, "/v2/models/dense/versions/1/infer", oipBody(null, rows, false, "y"));
        assertEquals(200, flat.status(), flat::toString);
        answered.incrementAndGet();
        assertFalse(flat.json().has("id") && !flat.json().path("id").isNull(), flat::toString);
        assertOutput(flat.json().path("outputs").get(0), "y", rows.length, expected(rows, w1a, b1a, w2a, b2a));

        // OIP metadata, ready, health, server
        JsonNode meta = ok(api.get("/v2/models/dense", t.key()));
        OipConformance.assertConforms("model metadata", OipConformance.modelMetadata(meta));
        OipConformance.assertConforms(
                "versioned model metadata",
                OipConformance.modelMetadata(ok(api.get("/v2/models/dense/versions/1", t.key()))));
        OipConformance.assertConforms(
                "model ready", OipConformance.modelReady(ok(api.get("/v2/models/dense/ready", t.key()))));
        OipConformance.assertConforms(
                "server live", OipConformance.serverLive(ok(api.get("/v2/health/live", t.key()))));
        OipConformance.assertConforms(
                "server ready", OipConformance.serverReady(ok(api.get("/v2/health/ready", t.key()))));
        OipConformance.assertConforms("server metadata", OipConformance.serverMetadata(ok(api.get("/v2", t.key()))));
        assertEquals("dense", meta.path("name").asText());
        assertEquals("tensorflow_savedmodel", meta.path("platform").asText());
        assertEquals("1", meta.path("versions").get(0).asText(), meta::toString);
        JsonNode x = meta.path("inputs").get(0);
        assertEquals("x", x.path("name").asText(), meta::toString);
        assertEquals("FP32", x.path("datatype").asText(), meta::toString);
        assertEquals("[-1,4]", x.path("shape").toString(), meta::toString);
        assertEquals("y", meta.path("outputs").get(0).path("name").asText(), meta::toString);
        assertTrue(ok(api.get("/v2/models/dense/versions/1/ready", t.key()))
                .path("ready")
                .asBoolean());
        assertTrue(ok(api.get("/v2/models/dense/ready", t.key())).path("ready").asBoolean());
        assertTrue(ok(api.get("/v2/health/live", t.key())).path("live").asBoolean());
        assertTrue(ok(api.get("/v2/health/ready", t.key())).path("ready").asBoolean());
        assertTrue(ok(api.get("/v2", t.key())).has("name"));

        // TF Serving, row form and columnar form, by name and by version
        String instances = "{\"instances\":" + Json.write(rows) + "}";
        var row = infer(t, "/tfserving/v1/models/dense:predict", instances);
        assertEquals(200, row.status(), row::toString);
        answered.incrementAndGet();
        assertRows(row.json().path("predictions"), expected(rows, w1a, b1a, w2a, b2a));
        TfServingConformance.assertConforms("predict (row)", TfServingConformance.predictRow(row.json()));
        var columnar =
                infer(t, "/tfserving/v1/models/dense/versions/1:predict", "{\"inputs\":" + Json.write(rows) + "}");
        assertEquals(200, columnar.status(), columnar::toString);
        answered.incrementAndGet();
        assertRows(columnar.json().path("outputs"), expected(rows, w1a, b1a, w2a, b2a));
        TfServingConformance.assertConforms(
                "predict (columnar)", TfServingConformance.predictColumnar(columnar.json()));
        JsonNode status = ok(api.get("/tfserving/v1/models/dense", t.key()));
        TfServingConformance.assertConforms("status", TfServingConformance.status(status));
        TfServingConformance.assertConforms(
                "status of a version",
                TfServingConformance.status(ok(api.get("/tfserving/v1/models/dense/versions/1", t.key()))));
        assertEquals(
                "1", status.path("model_version_status").get(0).path("version").asText(), status::toString);
        assertEquals(
                "AVAILABLE",
                status.path("model_version_status").get(0).path("state").asText(),
                status::toString);
        JsonNode tfMeta = ok(api.get("/tfserving/v1/models/dense/metadata", t.key()));
        TfServingConformance.assertConforms("metadata", TfServingConformance.metadata(tfMeta));
        assertEquals(
                "DT_FLOAT",
                tfMeta.at("/metadata/signature_def/signature_def/serving_default/inputs/x/dtype")
                        .asText(),
                tfMeta::toString);

        // A second version, then the production alias: calls without a version follow the alias within a second.
        var v2 = api.send("POST", "/v1/models/dense/versions", t.key(), "application/zip", denseV2);
        assertEquals(201, v2.status(), v2::toString);
        assertEquals(2, awaitAnswerFrom(t, "/v2/models/dense/infer", rows, 2, answered), "newest version served");
        assertEquals(
                200,
                api.send(
                                "PUT",
                                "/v1/models/dense/aliases/production",
                                t.key(),
                                "application/json",
                                "{\"version\":1}".getBytes())
                        .status());
        long moved = System.nanoTime();
        assertEquals(1, awaitAnswerFrom(t, "/v2/models/dense/infer", rows, 1, answered), "production served");
        long followedMs = (System.nanoTime() - moved) / 1_000_000;
        assertTrue(followedMs <= 1_000, "the alias move reached the gateway in " + followedMs + " ms");
        var labelled = infer(t, "/tfserving/v1/models/dense/labels/production:predict", instances);
        assertEquals(200, labelled.status(), labelled::toString);
        answered.incrementAndGet();
        assertRows(labelled.json().path("predictions"), expected(rows, w1a, b1a, w2a, b2a));

        // Refused calls are not billed.
        assertEquals(
                400,
                infer(t, "/v2/models/dense/infer", "{\"inputs\":[{\"name\":\"x\"}]}")
                        .status());
        assertEquals(
                404,
                infer(t, "/v2/models/dense/versions/9/infer", oipBody(null, rows, false, null))
                        .status());

        // Another tenant sees nothing of it, on every route.
        ItSupport.Tenant other = newTenant(api, admin, "it-predict-other");
        for (String path : List.of(
                "/v2/models/dense",
                "/v2/models/dense/ready",
                "/v2/models/dense/versions/1",
                "/v2/models/dense/versions/1/ready",
                "/tfserving/v1/models/dense",
                "/tfserving/v1/models/dense/metadata",
                "/tfserving/v1/models/dense/versions/1")) {
            assertError(api.get(path, other.key()), 404);
        }
        assertError(infer(other, "/v2/models/dense/infer", oipBody(null, rows, false, null)), 404);
        assertError(infer(other, "/tfserving/v1/models/dense:predict", instances), 404);

        awaitPredictUsage(t, answered.get(), rows.length);
    }

    @Test
    void aSavedModelExportedByPythonTensorFlowAnswersThroughBothProtocols() throws Exception {
        Path model = SharedTestData.requirePythonSavedModel();
        ItSupport.Tenant t = newTenant(api, admin, "it-predict-py");
        uploadModel(api, t, "python", Archives.zip(model));
        String add = "{\"parameters\":{\"signature_name\":\"add\"},\"inputs\":["
                + "{\"name\":\"a\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[1,2,3]},"
                + "{\"name\":\"b\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[10,20,30.5]}]}";
        var oip = infer(t, "/v2/models/python/infer", add);
        assertEquals(200, oip.status(), oip::toString);
        JsonNode out = oip.json().path("outputs").get(0);
        assertEquals("output_0", out.path("name").asText(), oip::toString);
        assertEquals("[11.0,22.0,33.5]", out.path("data").toString(), oip::toString);

        // without serving_default a call must name its signature
        String unnamed = add.replace("\"parameters\":{\"signature_name\":\"add\"},", "");
        assertError(infer(t, "/v2/models/python/infer", unnamed), 400);
        JsonNode meta = ok(api.get("/v2/models/python", t.key()));
        assertTrue(meta.path("parameters").path("signatures").toString().contains("\"add\""), meta::toString);

        var tfs = infer(
                t,
                "/tfserving/v1/models/python:predict",
                "{\"signature_name\":\"add\",\"inputs\":{\"a\":[1,2,3],\"b\":[10,20,30.5]}}");
        assertEquals(200, tfs.status(), tfs::toString);
        assertEquals("[11.0,22.0,33.5]", tfs.json().path("outputs").toString(), tfs::toString);
        var rows = infer(
                t,
                "/tfserving/v1/models/python:predict",
                "{\"signature_name\":\"add\",\"instances\":[{\"a\":1,\"b\":2},{\"a\":3,\"b\":4.5}]}");
        assertEquals(200, rows.status(), rows::toString);
        assertEquals("[3.0,7.5]", rows.json().path("predictions").toString(), rows::toString);
        var scalar = infer(
                t,
                "/v2/models/python/infer",
                "{\"parameters\":{\"signature_name\":\"get_const_scalar\"},\"inputs\":[{\"name\":\"input\","
                        + "\"shape\":[],\"datatype\":\"FP32\",\"data\":[4.25]}]}");
        assertEquals(200, scalar.status(), scalar::toString);
        assertEquals("[4.25]", scalar.json().path("outputs").get(0).path("data").toString(), scalar::toString);
        JsonNode tfMeta = ok(api.get("/tfserving/v1/models/python/metadata", t.key()));
        assertTrue(
                tfMeta.at("/metadata/signature_def/signature_def/add/inputs/a/tensor_shape/unknown_rank")
                        .asBoolean(),
                tfMeta::toString);
    }

    @Test
    void everyDatatypeOfTheContractGoesThroughBothProtocols() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-predict-types");
        Path dir = TypedSavedModel.export(work.resolve("typed"));
        uploadModel(api, t, "typed", Archives.zip(dir));
        // signature, datatype, two rows of three values, and what the signature answers for them (flat)
        String[][] cases = {
            {"bool_not", "BOOL", "[[true,false,true],[false,false,true]]", "[false,true,false,true,true,false]"},
            {"int8_plus_one", "INT8", "[[-128,-1,0],[1,126,127]]", "[-127,0,1,2,127,-128]"},
            {"int16_plus_one", "INT16", "[[-32768,-1,0],[1,32766,32767]]", "[-32767,0,1,2,32767,-32768]"},
            {"int32_plus_one", "INT32", "[[-2147483648,-1,0],[1,5,2147483646]]", "[-2147483647,0,1,2,6,2147483647]"},
            {
                "int64_plus_one",
                "INT64",
                "[[-9223372036854775808,-1,0],[1,5,9223372036854775806]]",
                "[-9223372036854775807,0,1,2,6,9223372036854775807]"
            },
            {"uint8_plus_one", "UINT8", "[[0,1,127],[128,254,255]]", "[1,2,128,129,255,0]"},
            {"fp32_times_two", "FP32", "[[1.5,-2.25,0],[0.001,100,-7]]", "[3.0,-4.5,0.0,0.002,200.0,-14.0]"},
            {"fp64_times_two", "FP64", "[[1e300,-2.5,0],[1e-300,3,7]]", "[2e300,-5.0,0.0,2e-300,6.0,14.0]"},
            {
                "bytes_exclaim",
                "BYTES",
                "[[\"a\",\"h\u00e9llo\",\"\"],[\"x y\",\"\u00fc\",\"!\"]]",
                "[\"a!\",\"h\u00e9llo!\",\"!\",\"x y!\",\"\u00fc!\",\"!!\"]"
            }
        };
        for (String[] c : cases) {
            JsonNode want = Json.read(c[3], JsonNode.class);
            String oip = "{\"parameters\":{\"signature_name\":\"" + c[0] + "\"},\"inputs\":[{\"name\":\"x\","
                    + "\"shape\":[2,3],\"datatype\":\"" + c[1] + "\",\"data\":" + c[2] + "}]}";
            var reply = infer(t, "/v2/models/typed/infer", oip);
            assertEquals(200, reply.status(), c[0] + ": " + reply);
            OipConformance.assertConforms(c[0], OipConformance.inferenceResponse(reply.json()));
            JsonNode y = reply.json().path("outputs").get(0);
            assertEquals(c[1], y.path("datatype").asText(), c[0] + ": " + reply);
            assertEquals("[2,3]", y.path("shape").toString(), c[0] + ": " + reply);
            assertValues(c[0] + " (OIP)", want, y.path("data"));

            String tfs = "{\"signature_name\":\"" + c[0] + "\",\"inputs\":" + c[2] + "}";
            var columnar = infer(t, "/tfserving/v1/models/typed:predict", tfs);
            assertEquals(200, columnar.status(), c[0] + ": " + columnar);
            TfServingConformance.assertConforms(c[0], TfServingConformance.predictColumnar(columnar.json()));
            assertValues(c[0] + " (TF Serving)", want, flatten(columnar.json().path("outputs")));
        }

        // several inputs and outputs; and serving_default (INT8 and INT16 in, INT32 and INT16 out) without a name
        var two = infer(
                t,
                "/v2/models/typed/infer",
                "{\"parameters\":{\"signature_name\":\"fp32_sum_product\"},\"inputs\":["
                        + "{\"name\":\"a\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]},"
                        + "{\"name\":\"b\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[4,5,-6]}],"
                        + "\"outputs\":[{\"name\":\"sum\"},{\"name\":\"product\"}]}");
        assertEquals(200, two.status(), two::toString);
        assertEquals("sum", two.json().path("outputs").get(0).path("name").asText(), two::toString);
        assertValues(
                "sum", Json.read("[5.0,7.0,-3.0]", JsonNode.class), two.json().at("/outputs/0/data"));
        assertValues(
                "product",
                Json.read("[4.0,10.0,-18.0]", JsonNode.class),
                two.json().at("/outputs/1/data"));
        var rows = infer(
                t,
                "/tfserving/v1/models/typed:predict",
                "{\"instances\":[{\"small\":[-128,0,127],\"wide\":[-32768,1000,32767]}]}");
        assertEquals(200, rows.status(), rows::toString);
        TfServingConformance.assertConforms("serving_default rows", TfServingConformance.predictRow(rows.json()));
        JsonNode first = rows.json().path("predictions").get(0);
        assertValues("sum", Json.read("[-32896,1000,32894]", JsonNode.class), first.path("sum"));
        assertValues("small_widened", Json.read("[-128,0,127]", JsonNode.class), first.path("small_widened"));
        JsonNode meta = ok(api.get("/v2/models/typed", t.key()));
        OipConformance.assertConforms("typed metadata", OipConformance.modelMetadata(meta));
        assertEquals("INT8", meta.at("/inputs/0/datatype").asText(), meta::toString);
        assertEquals("INT16", meta.at("/inputs/1/datatype").asText(), meta::toString);
        // a value outside INT8's range is the caller's error
        assertError(
                infer(
                        t,
                        "/v2/models/typed/infer",
                        "{\"parameters\":{\"signature_name\":\"int8_plus_one\"},\"inputs\":[{\"name\":\"x\","
                                + "\"shape\":[1,3],\"datatype\":\"INT8\",\"data\":[1,2,128]}]}"),
                400);
    }

    private static void assertValues(String what, JsonNode want, JsonNode got) {
        assertEquals(want.size(), got.size(), what + ": " + got);
        for (int i = 0; i < want.size(); i++) {
            JsonNode w = want.get(i);
            JsonNode g = got.get(i);
            if (w.isFloatingPointNumber()) {
                assertEquals(w.asDouble(), g.asDouble(), Math.abs(w.asDouble()) * 1e-6, what + "[" + i + "]: " + got);
            } else if (w.isNumber()) {
                assertTrue(g.isIntegralNumber(), what + "[" + i + "]: " + got);
                assertEquals(w.bigIntegerValue(), g.bigIntegerValue(), what + "[" + i + "]: " + got);
            } else {
                assertEquals(w.asText(), g.asText(), what + "[" + i + "]: " + got);
                assertEquals(w.getNodeType(), g.getNodeType(), what + "[" + i + "]: " + got);
            }
        }
    }

    private static JsonNode flatten(JsonNode nested) {
        var out = Json.mapper().createArrayNode();
        if (nested.isArray()) {
            nested.forEach(n -> out.addAll((com.fasterxml.jackson.databind.node.ArrayNode) flatten(n)));
        } else {
            out.add(nested);
        }
        return out;
    }

    @Test
    void badInputOfEveryKindIsAClientErrorWithTheProtocolsErrorMember() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-predict-bad");
        uploadModel(api, t, "dense", denseV1);
        String x = "{\"name\":\"x\",\"shape\":%s,\"datatype\":\"%s\",\"data\":%s}";
        Map<String, Integer> oip = new LinkedHashMap<>();
        oip.put("not json", 400);
        oip.put("{\"inputs\":\"x\"}", 400);
        oip.put("{\"inputs\":[]}", 400);
        oip.put("{\"inputs\":[" + x.formatted("[1,3]", "FP32", "[1,2,3]") + "]}", 400); // wrong inner shape
        oip.put("{\"inputs\":[" + x.formatted("[1,4]", "INT32", "[1,2,3,4]") + "]}", 400); // wrong datatype
        oip.put("{\"inputs\":[" + x.formatted("[1,4]", "FP32", "[1,2,3]") + "]}", 400); // too few values
        oip.put("{\"inputs\":[" + x.formatted("[2,4]", "FP32", "[[1,2,3,4],[1,2,3]]") + "]}", 400); // ragged
        oip.put("{\"inputs\":[" + x.formatted("[1,4]", "FP32", "[1,2,3,\"a\"]") + "]}", 400); // not a number
        oip.put("{\"inputs\":[" + x.formatted("[1,4]", "FP32", "[1,2,3,1e39]") + "]}", 400); // out of FP32 range
        oip.put(
                "{\"inputs\":[" + x.formatted("[1,4]", "FP32", "[1,2,3,4]") + ","
                        + x.formatted("[1,4]", "FP32", "[1,2,3,4]") + "]}",
                400); // duplicate input
        oip.put(
                "{\"inputs\":[" + x.formatted("[1,4]", "FP32", "[1,2,3,4]")
                        + ",{\"name\":\"z\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}",
                400); // extra input
        oip.put("{\"inputs\":[{\"name\":\"z\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}", 400); // missing
        oip.put("{\"inputs\":[" + x.formatted("[1,4]", "FLOAT99", "[1,2,3,4]") + "]}", 400); // unknown datatype
        oip.put(
                "{\"parameters\":{\"signature_name\":\"nope\"},\"inputs\":[" + x.formatted("[1,4]", "FP32", "[1,2,3,4]")
                        + "]}",
                400); // unknown signature
        oip.put(
                "{\"inputs\":[" + x.formatted("[1,4]", "FP32", "[1,2,3,4]") + "],\"outputs\":[{\"name\":\"q\"}]}",
                400); // unknown output
        for (var c : oip.entrySet()) {
            assertError(infer(t, "/v2/models/dense/infer", c.getKey()), c.getValue());
        }
        assertError(
                infer(t, "/v2/models/nope/infer", "{\"inputs\":[" + x.formatted("[1,4]", "FP32", "[1,2,3,4]") + "]}"),
                404);
        assertError(infer(t, "/v2/models/dense/versions/0/infer", "{}"), 404);

        Map<String, Integer> tfs = new LinkedHashMap<>();
        tfs.put("{", 400);
        tfs.put("{}", 400); // neither instances nor inputs
        tfs.put("{\"instances\":[[1,2,3,4]],\"inputs\":[[1,2,3,4]]}", 400); // both
        tfs.put("{\"instances\":[[1,2,3]]}", 400); // wrong shape
        tfs.put("{\"instances\":[[1,2,3,4],[1,2,3]]}", 400); // ragged
        tfs.put("{\"instances\":[[1,2,3,\"x\"]]}", 400); // wrong type
        tfs.put("{\"signature_name\":\"nope\",\"instances\":[[1,2,3,4]]}", 400);
        tfs.put("{\"inputs\":{\"x\":[[1,2,3,4]],\"z\":[1]}}", 400); // extra input
        for (var c : tfs.entrySet()) {
            assertError(infer(t, "/tfserving/v1/models/dense:predict", c.getKey()), c.getValue());
        }
        assertError(infer(t, "/tfserving/v1/models/dense/versions/7:predict", "{\"instances\":[[1,2,3,4]]}"), 404);
        assertError(infer(t, "/tfserving/v1/models/dense/labels/none:predict", "{\"instances\":[[1,2,3,4]]}"), 404);

        // too many rows for the plan, and a body over its maxRequestBytes
        ItSupport.Tenant small = smallPlanTenant();
        uploadModel(api, small, "dense", denseV1);
        float[][] many = new float[11][IN];
        assertError(infer(small, "/v2/models/dense/infer", oipBody(null, many, true, null)), 413);
        StringBuilder big = new StringBuilder("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4]}],\"parameters\":{\"pad\":\"");
        big.append("a".repeat(70_000)).append("\"}}");
        assertError(infer(small, "/v2/models/dense/infer", big.toString()), 413);

        // nothing above was answered, so nothing is billed
        Thread.sleep(1_500);
        assertEquals(0, predictUsage(t).path("requests").asLong(), "refused predictions are not billed");
    }

    /** Concurrent rounds before the measured one. */
    private static final int WARM_ROUNDS = 8;

    @Test
    void concurrentSingleRowRequestsAreBatchedIntoFewRunsAndEachAnswerIsRight() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-predict-batch");
        uploadModel(api, t, "dense", denseV1);
        float[][] warm = {{1, 1, 1, 1}};
        assertEquals(
                200,
                infer(t, "/v2/models/dense/infer", oipBody(null, warm, true, null))
                        .status());

        int clients = 64;
        Random random = new Random(11);
        // The first rounds also open the clients' connections, as clients that keep theirs alive have them, and give
        // the gateway's and worker's hot paths a first compilation: on a platform just started (cold JIT) the
        // requests reach the worker spread over tens of milliseconds (25-38 runs were seen), which is not what a
        // serving platform under steady load does.
        for (int round = 0; round < WARM_ROUNDS; round++) {
            concurrentRound(t, matrix(random, clients, IN));
        }
        double runsBefore = workerCounter("aiaas_worker_predict_runs_total");
        concurrentRound(t, matrix(random, clients, IN));
        double runs = workerCounter("aiaas_worker_predict_runs_total") - runsBefore;
        System.out.printf("%d concurrent single-row requests ran in %.0f worker runs%n", clients, runs);
        assertTrue(runs >= 1 && runs <= 16, clients + " requests took " + runs + " runs (at most 16 wanted)");
    }

    /** {@code rows.length} clients send one row each at the same moment; every answer is checked. */
    private static void concurrentRound(ItSupport.Tenant t, float[][] rows) throws Exception {
        int clients = rows.length;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<PlatformClient.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String body = oipBody("r" + i, new float[][] {rows[i]}, true, null);
                Callable<PlatformClient.Reply> call = () -> {
                    go.await();
                    return infer(t, "/v2/models/dense/infer", body);
                };
                replies.add(pool.submit(call));
            }
            go.countDown();
            for (int i = 0; i < clients; i++) {
                var reply = replies.get(i).get();
                assertEquals(200, reply.status(), reply::toString);
                assertEquals("r" + i, reply.json().path("id").asText());
                assertOutput(
                        reply.json().path("outputs").get(0),
                        "y",
                        1,
                        expected(new float[][] {rows[i]}, w1a, b1a, w2a, b2a));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A worker killed while it loads a model: every request ends by its deadline (a 504 problem, or an answer from
     * the worker that takes over), never later. Then, with two workers, stopping one leaves predictions working.
     */
    @Test
    void aWorkerKilledMidLoadEndsRequestsByTheirDeadlineAndTwoWorkersSurviveOneStopping() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-predict-kill");
        Random random = new Random(5);
        int in = 784;
        int hidden = 2048; // 6 MB of weights: a load that takes a while
        float[][] wa = matrix(random, in, hidden);
        float[] ba = vector(random, hidden);
        float[][] wb = matrix(random, hidden, 2);
        float[] bb = vector(random, 2);
        byte[] big = export("big", List.of(wa, wb), List.of(ba, bb));
        float[][] row = matrix(random, 1, in);
        double[] want = expected(row, wa, ba, wb, bb);

        platform.stopService(Service.WORKER);
        ServiceProcess doomed = null;
        ServiceProcess second = null;
        try {
            doomed = platform.startReplica(Service.WORKER);
            uploadModel(api, t, "big", big);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<long[]>> calls = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    calls.add(pool.submit(() -> {
                        long sent = System.nanoTime();
                        var reply = infer(t, "/v2/models/big/infer", oipBody(null, row, true, null));
                        long ms = (System.nanoTime() - sent) / 1_000_000;
                        if (reply.status() == 200) {
                            assertOutput(reply.json().path("outputs").get(0), "y", 1, want);
                        } else {
                            assertError(reply, reply.status());
                            assertTrue(reply.status() == 504 || reply.status() == 503, reply::toString);
                        }
                        return new long[] {reply.status(), ms};
                    }));
                }
                Thread.sleep(150); // the requests are in flight and the worker is loading
                doomed.kill();
                platform.startService(Service.WORKER, false);
                for (Future<long[]> call : calls) {
                    long[] outcome = call.get();
                    assertTrue(
                            outcome[1] <= DEADLINE.toMillis() + 1_500,
                            "a request ended " + outcome[1] + " ms after it was sent (status " + outcome[0] + ")");
                }
            } finally {
                pool.shutdownNow();
            }
            platform.service(Service.WORKER).awaitReady(Duration.ofSeconds(120));

            // two workers; one stops: predictions keep working
            second = platform.startReplica(Service.WORKER);
            assertEquals(200, awaitOk(t, "/v2/models/big/infer", oipBody(null, row, true, null)));
            second.close();
            for (int i = 0; i < 20; i++) {
                var reply = infer(t, "/v2/models/big/infer", oipBody(null, row, true, null));
                assertEquals(200, reply.status(), "after one of two workers stopped: " + reply);
                assertOutput(reply.json().path("outputs").get(0), "y", 1, want);
            }
        } finally {
            if (doomed != null && doomed.isAlive()) {
                doomed.close();
            }
            if (second != null && second.isAlive()) {
                second.close();
            }
            ServiceProcess shared = platform.service(Service.WORKER);
            if (shared == null || !shared.isAlive()) {
                platform.startService(Service.WORKER, true);
            }
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static PlatformClient.Reply infer(ItSupport.Tenant t, String path, String body) throws Exception {
        return api.send("POST", path, t.key(), "application/json", body.getBytes());
    }

    private static JsonNode ok(PlatformClient.Reply reply) {
        assertEquals(200, reply.status(), reply::toString);
        return reply.json();
    }

    /** A refusal: problem+json with the protocol's {@code error} member, never a 5xx for bad input. */
    private static void assertError(PlatformClient.Reply reply, int status) {
        assertEquals(status, reply.status(), reply::toString);
        String path = reply.raw().uri().getPath();
        if (path.startsWith("/tfserving")) {
            TfServingConformance.assertConforms("error " + reply, TfServingConformance.errorBody(reply.json()));
        } else {
            OipConformance.assertConforms("error " + reply, OipConformance.errorBody(reply.json()));
        }
        assertTrue(reply.contentType().startsWith("application/problem+json"), reply::toString);
        JsonNode body = reply.json();
        assertTrue(
                body.path("error").isTextual() && !body.path("error").asText().isBlank(), reply::toString);
        assertEquals(status, body.path("status").asInt(), reply::toString);
        assertTrue(body.path("requestId").asText().startsWith("req_"), reply::toString);
    }

    /** Calls until the answer comes from {@code version}; answers the version that answered. */
    private static int awaitAnswerFrom(
            ItSupport.Tenant t, String path, float[][] rows, int version, AtomicLong answered) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            var reply = infer(t, path, oipBody(null, rows, true, null));
            assertEquals(200, reply.status(), reply::toString);
            answered.incrementAndGet();
            last = reply.json().path("model_version").asInt();
            if (last == version) {
                double[] want = version == 1 ? expected(rows, w1a, b1a, w2a, b2a) : expected(rows, w1b, b1b, w2b, b2b);
                assertOutput(reply.json().path("outputs").get(0), "y", rows.length, want);
                return last;
            }
            Thread.sleep(20);
        }
        return last;
    }

    private static int awaitOk(ItSupport.Tenant t, String path, String body) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int status = -1;
        while (System.nanoTime() < deadline) {
            status = infer(t, path, body).status();
            if (status == 200) {
                return status;
            }
            Thread.sleep(200);
        }
        return status;
    }

    /** Waits until the tenant's usage shows exactly {@code requests} predictions, each of {@code rows} examples. */
    private static void awaitPredictUsage(ItSupport.Tenant t, long requests, int rows) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode usage = null;
        while (System.nanoTime() < deadline) {
            usage = predictUsage(t);
            if (usage.path("requests").asLong() >= requests) {
                break;
            }
            Thread.sleep(250);
        }
        Thread.sleep(1_000); // nothing more arrives: exactly once, not at least once
        usage = predictUsage(t);
        assertEquals(requests, usage.path("requests").asLong(), "one usage event per answered prediction: " + usage);
        assertEquals(requests * rows, usage.path("examples").asLong(), usage::toString);
        assertTrue(usage.path("units").asLong() >= requests, "every prediction costs a unit at least: " + usage);
    }

    /** The sums of the tenant's {@code predict} usage items. */
    private static JsonNode predictUsage(ItSupport.Tenant t) throws Exception {
        var reply = api.get("/v1/usage?granularity=day", t.key());
        assertEquals(200, reply.status(), reply::toString);
        long requests = 0;
        long examples = 0;
        long units = 0;
        for (JsonNode item : reply.json().path("items")) {
            if ("predict".equals(item.path("kind").asText())) {
                requests += item.path("requests").asLong();
                examples += item.path("examples").asLong();
                units += item.path("units").asLong();
            }
        }
        return Json.mapper().valueToTree(Map.of("requests", requests, "examples", examples, "units", units));
    }

    private static ItSupport.Tenant smallPlanTenant() throws Exception {
        String plan = "it-small-" + io.aiaas.common.id.Ids.randomBase62(6).toLowerCase(java.util.Locale.ROOT);
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("name", plan);
        limits.put("requestsPerSecond", 10_000);
        limits.put("burst", 10_000);
        limits.put("concurrentJobs", 1);
        limits.put("monthlyComputeUnits", 1_000_000L);
        limits.put("maxRequestBytes", 65_536L);
        limits.put("maxModelBytes", 104_857_600L);
        limits.put("storageBytes", 1_073_741_824L);
        limits.put("maxBatchRows", 10L);
        assertEquals(201, api.postJson("/admin/v1/plans", admin, limits).status());
        var tenant = api.postJson("/admin/v1/tenants", admin, Map.of("name", plan, "plan", plan));
        assertEquals(201, tenant.status(), tenant::toString);
        String id = tenant.json().path("id").asText();
        var key = api.postJson("/admin/v1/tenants/" + id + "/api-keys", admin, Map.of("name", "it"));
        assertEquals(201, key.status(), key::toString);
        return new ItSupport.Tenant(id, key.json().path("key").asText());
    }

    private static double workerCounter(String name) throws Exception {
        var reply = new PlatformClient(platform.service(Service.WORKER).url()).get("/q/metrics", null);
        assertEquals(200, reply.status());
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(reply.body());
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
            found = true;
        }
        if (!found) {
            fail("the worker's metrics have no " + name);
        }
        return sum;
    }

    private static String oipBody(String id, float[][] rows, boolean nested, String output) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("name", "x");
        input.put("shape", List.of(rows.length, rows.length == 0 ? IN : rows[0].length));
        input.put("datatype", "FP32");
        if (nested) {
            input.put("data", rows);
        } else {
            List<Float> flat = new ArrayList<>();
            for (float[] r : rows) {
                for (float v : r) {
                    flat.add(v);
                }
            }
            input.put("data", flat);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (id != null) {
            body.put("id", id);
        }
        body.put("inputs", List.of(input));
        if (output != null) {
            body.put("outputs", List.of(Map.of("name", output)));
        }
        return Json.write(body);
    }

    private static void assertOutput(JsonNode output, String name, int rows, double[] want) {
        assertEquals(name, output.path("name").asText(), output::toString);
        assertEquals("FP32", output.path("datatype").asText(), output::toString);
        assertEquals(rows, output.path("shape").get(0).asInt(), output::toString);
        JsonNode data = output.path("data");
        assertEquals(want.length, data.size(), output::toString);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], data.get(i).asDouble(), 1e-4 * Math.max(1, Math.abs(want[i])), "value " + i);
        }
    }

    /** TF Serving's nested rows ({@code predictions} or columnar {@code outputs} of one output). */
    private static void assertRows(JsonNode rowsNode, double[] want) {
        assertTrue(rowsNode.isArray(), rowsNode::toString);
        int k = 0;
        for (JsonNode r : rowsNode) {
            for (JsonNode v : r) {
                assertEquals(want[k], v.asDouble(), 1e-4 * Math.max(1, Math.abs(want[k])), "value " + k);
                k++;
            }
        }
        assertEquals(want.length, k, rowsNode::toString);
    }

    /** Two dense layers with ReLU between, computed here in double precision, flattened row-major. */
    private static double[] expected(float[][] rows, float[][] w1, float[] b1, float[][] w2, float[] b2) {
        int out = b2.length;
        double[] result = new double[rows.length * out];
        for (int r = 0; r < rows.length; r++) {
            double[] h = new double[b1.length];
            for (int j = 0; j < b1.length; j++) {
                double s = b1[j];
                for (int i = 0; i < rows[r].length; i++) {
                    s += (double) rows[r][i] * w1[i][j];
                }
                h[j] = Math.max(0, s);
            }
            for (int j = 0; j < out; j++) {
                double s = b2[j];
                for (int i = 0; i < h.length; i++) {
                    s += h[i] * w2[i][j];
                }
                result[r * out + j] = s;
            }
        }
        return result;
    }

    private static byte[] export(String name, List<float[][]> weights, List<float[]> biases) throws Exception {
        Path dir = work.resolve(name);
        DenseSavedModel.exportLayers(dir, weights, biases, false);
        return Archives.zip(dir);
    }

    private static float[][] matrix(Random random, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (float[] r : m) {
            for (int j = 0; j < cols; j++) {
                r[j] = (random.nextFloat() - 0.5f) * 2f;
            }
        }
        return m;
    }

    private static float[] vector(Random random, int n) {
        return matrix(random, 1, n)[0];
    }
}
