package io.aiaas.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.ApiKeys;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.infra.testing.SharedTestData;
import io.aiaas.local.ServiceProcess.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The walking skeleton end to end, over HTTP through the gateway, against the four packaged services on real
 * PostgreSQL, Kafka and Keycloak: admin creates a tenant and key, the tenant uploads a SavedModel exported with
 * TensorFlow Java, runs an inline inference job on a worker, and reads the result and its usage.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedPlatform.class)
class SkeletonPathIT {
    /** y = x·W + b with 3 features and 2 outputs; the expected outputs are computed here, not by TensorFlow. */
    static final float[][] W = {{1f, -2f}, {0.5f, 0f}, {0f, 3f}};

    static final float[] B = {1f, -1f};
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(90);

    static PlatformRuntime platform;
    static PlatformClient api;
    static String adminToken;
    static String keyA;
    static String keyB;
    static String jobA;

    @BeforeAll
    static void connect() throws Exception {
        platform = SharedPlatform.platform();
        api = SharedPlatform.api();
        adminToken = SharedPlatform.adminToken();
    }

    static void assertProblem(PlatformClient.Reply reply, int status, String slug) {
        assertEquals(status, reply.status(), reply::toString);
        assertTrue(reply.contentType().startsWith("application/problem+json"), reply.contentType());
        JsonNode problem = reply.json();
        assertEquals(status, problem.path("status").asInt());
        assertTrue(problem.path("type").asText().endsWith(slug), problem.toString());
        assertTrue(problem.path("requestId").isTextual(), problem.toString());
        assertNotNull(reply.header("X-Request-Id"));
        assertTrue(!reply.body().contains("Exception") && !reply.body().contains("at io."), reply.body());
    }

    static String createTenantWithKey(String name) throws Exception {
        var tenant = api.postJson("/admin/v1/tenants", adminToken, Map.of("name", name, "plan", "standard"));
        assertEquals(201, tenant.status(), tenant::toString);
        assertEquals("active", tenant.json().path("status").asText());
        String id = tenant.json().path("id").asText();
        assertTrue(id.matches("^ten_[0-9A-Za-z]{22}$"), id);
        var key = api.postJson("/admin/v1/tenants/" + id + "/api-keys", adminToken, Map.of("name", "it"));
        assertEquals(201, key.status(), key::toString);
        String secret = key.json().path("key").asText();
        assertTrue(ApiKeys.isWellFormed(secret));
        return secret;
    }

    static JsonNode awaitJob(String key, String jobId) throws Exception {
        Instant deadline = Instant.now().plus(JOB_TIMEOUT);
        JsonNode job = null;
        while (Instant.now().isBefore(deadline)) {
            var reply = api.get("/v1/jobs/" + jobId, key);
            assertEquals(200, reply.status(), reply::toString);
            job = reply.json();
            String status = job.path("status").asText();
            if (status.equals("succeeded") || status.equals("failed") || status.equals("cancelled")) {
                return job;
            }
            Thread.sleep(200);
        }
        return fail("job " + jobId + " did not end within " + JOB_TIMEOUT + "; last seen: " + job);
    }

    static float[] expected(float[] x) {
        float[] y = new float[B.length];
        for (int j = 0; j < B.length; j++) {
            y[j] = B[j];
            for (int i = 0; i < x.length; i++) {
                y[j] += x[i] * W[i][j];
            }
        }
        return y;
    }

    @Test
    @Order(1)
    void administratorCreatesTenantsAndKeys() throws Exception {
        keyA = createTenantWithKey("it-alpha");
        keyB = createTenantWithKey("it-beta");
        var dup = api.postJson("/admin/v1/tenants", adminToken, Map.of("name", "it-alpha", "plan", "standard"));
        assertProblem(dup, 409, "conflict");
    }

    @Test
    @Order(2)
    void credentialsAreChecked() throws Exception {
        assertProblem(api.get("/v1/models", null), 401, "unauthorized");
        assertProblem(api.get("/v1/models", "aiaas_not-a-key"), 401, "unauthorized");
        assertProblem(api.get("/v1/models", ApiKeys.generate()), 401, "unauthorized");
        assertProblem(api.get("/admin/v1/tenants", keyA), 401, "unauthorized");
        String noRole = PlatformClient.passwordGrant(platform.oidcUrl(), "no-role", "no-role");
        assertProblem(api.get("/admin/v1/tenants", noRole), 403, "forbidden");
    }

    @Test
    @Order(3)
    void tenantUploadsASavedModelExportedWithTensorFlowJava() throws Exception {
        assertEquals(
                201, api.postJson("/v1/models", keyA, Map.of("name", "linear")).status());
        Path dir = Files.createTempDirectory(platform.stateDir(), "model");
        DenseSavedModel.export(dir.resolve("m"), W, B);
        var version =
                api.send("POST", "/v1/models/linear/versions", keyA, "application/zip", Archives.zip(dir.resolve("m")));
        assertEquals(201, version.status(), version::toString);
        JsonNode body = version.json();
        assertEquals(1, body.path("version").asInt());
        assertEquals("ready", body.path("status").asText());
        JsonNode input =
                body.path("signatures").path("serving_default").path("inputs").get(0);
        assertEquals("x", input.path("name").asText());
        assertEquals("FP32", input.path("datatype").asText());
        assertEquals("[-1,3]", input.path("shape").toString());
        assertTrue(body.path("sha256").asText().matches("^[0-9a-f]{64}$"));

        var notAModel =
                api.send("POST", "/v1/models/linear/versions", keyA, "application/zip", zipOf("README.txt", "hello"));
        assertProblem(notAModel, 422, "unprocessable");
        var versions = api.get("/v1/models/linear/versions", keyA);
        assertEquals(1, versions.json().path("items").size(), versions::toString);
    }

    @Test
    @Order(4)
    void inlineInferenceRunsOnAWorkerAndReturnsTheModelsOutputs() throws Exception {
        float[][] rows = {{1f, 2f, 3f}, {-1f, 0f, 0.5f}};
        String job = "{\"type\":\"inference\",\"model\":\"linear\",\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],"
                + "\"datatype\":\"FP32\",\"data\":[[1,2,3],[-1,0,0.5]]}]}";
        var submitted = api.postJson("/v1/jobs", keyA, job);
        assertEquals(202, submitted.status(), submitted::toString);
        jobA = submitted.json().path("id").asText();
        assertTrue(jobA.startsWith("job_"));
        assertEquals("/v1/jobs/" + jobA, submitted.header("Location"));
        assertEquals("queued", submitted.json().path("status").asText());

        JsonNode done = awaitJob(keyA, jobA);
        assertEquals("succeeded", done.path("status").asText(), done::toString);
        JsonNode output = done.path("result").path("outputs").get(0);
        assertEquals("y", output.path("name").asText());
        assertEquals("[2,2]", output.path("shape").toString());
        JsonNode data = output.path("data");
        for (int r = 0; r < rows.length; r++) {
            float[] want = expected(rows[r]);
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], data.get(r * want.length + j).floatValue(), 1e-5, done::toString);
            }
        }
        assertEquals(2, done.path("usage").path("examples").asInt(), done::toString);
        assertTrue(done.path("usage").path("units").asLong() >= 1, done::toString);
    }

    @Test
    @Order(5)
    void usageIsRecordedOnceForTheJob() throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonNode usage = null;
        while (Instant.now().isBefore(deadline)) {
            usage = api.get("/v1/usage?granularity=hour", keyA).json();
            if (usage.path("totals").path("requests").asLong() > 0) {
                break;
            }
            Thread.sleep(250);
        }
        assertNotNull(usage);
        assertEquals(1, usage.path("totals").path("requests").asLong(), usage::toString);
        assertEquals(2, usage.path("totals").path("examples").asLong(), usage::toString);
        assertEquals(
                0,
                api.get("/v1/usage", keyB)
                        .json()
                        .path("totals")
                        .path("requests")
                        .asLong());
    }

    @Test
    @Order(6)
    void badJobsAreRefusedWithProblems() throws Exception {
        assertProblem(api.postJson("/v1/jobs", keyA, "{\"type\":\"inference\","), 400, "invalid-request");
        assertProblem(
                api.postJson(
                        "/v1/jobs",
                        keyA,
                        "{\"type\":\"inference\",\"model\":\"nope\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],"
                                + "\"datatype\":\"FP32\",\"data\":[1,2,3]}]}"),
                404,
                "not-found");
        String wrongShape = "{\"type\":\"inference\",\"model\":\"linear\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],"
                + "\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";
        assertProblem(api.postJson("/v1/jobs", keyA, wrongShape), 422, "unprocessable");
    }

    @Test
    @Order(7)
    void anotherTenantsObjectsAreInvisible() throws Exception {
        assertProblem(api.get("/v1/jobs/" + jobA, keyB), 404, "not-found");
        assertProblem(api.get("/v1/models/linear", keyB), 404, "not-found");
        String job = "{\"type\":\"inference\",\"model\":\"linear\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],"
                + "\"datatype\":\"FP32\",\"data\":[1,2,3]}]}";
        assertProblem(api.postJson("/v1/jobs", keyB, job), 404, "not-found");
    }

    @Test
    @Order(8)
    void aSavedModelExportedByPythonTensorFlowServesItsAddSignature() throws Exception {
        // absent: a loud skip, or a failure under CI=true
        Path model = SharedTestData.requirePythonSavedModel();
        assertEquals(
                201,
                api.postJson("/v1/models", keyA, Map.of("name", "python-add")).status());
        var version = api.send("POST", "/v1/models/python-add/versions", keyA, "application/zip", Archives.zip(model));
        assertEquals(201, version.status(), version::toString);
        assertTrue(version.json().path("signatures").has("add"), version::toString);

        String job = "{\"type\":\"inference\",\"model\":\"python-add\",\"signature\":\"add\",\"inputs\":["
                + "{\"name\":\"a\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[1,2,3]},"
                + "{\"name\":\"b\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[10,20,30]}]}";
        var submitted = api.postJson("/v1/jobs", keyA, job);
        assertEquals(202, submitted.status(), submitted::toString);
        JsonNode done = awaitJob(keyA, submitted.json().path("id").asText());
        assertEquals("succeeded", done.path("status").asText(), done::toString);
        JsonNode out = done.path("result").path("outputs").get(0);
        assertEquals("output_0", out.path("name").asText());
        List<Double> values = List.of(
                out.path("data").get(0).asDouble(),
                out.path("data").get(1).asDouble(),
                out.path("data").get(2).asDouble());
        assertEquals(List.of(11.0, 22.0, 33.0), values);
    }

    @Test
    @Order(9)
    void anAcceptedJobWaitsForAWorkerAndIsNotLost() throws Exception {
        platform.stopService(Service.WORKER);
        String job = "{\"type\":\"inference\",\"model\":\"linear\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],"
                + "\"datatype\":\"FP32\",\"data\":[0,0,0]}]}";
        var submitted = api.postJson("/v1/jobs", keyA, job);
        assertEquals(202, submitted.status(), submitted::toString);
        String id = submitted.json().path("id").asText();
        Thread.sleep(3000);
        assertEquals(
                "queued", api.get("/v1/jobs/" + id, keyA).json().path("status").asText());

        platform.startService(Service.WORKER, true);
        JsonNode done = awaitJob(keyA, id);
        assertEquals("succeeded", done.path("status").asText(), done::toString);
        JsonNode data = done.path("result").path("outputs").get(0).path("data");
        assertEquals(B[0], data.get(0).floatValue(), 1e-6);
        assertEquals(B[1], data.get(1).floatValue(), 1e-6);
        assertNotEquals(jobA, id);
    }

    static byte[] zipOf(String name, String content) throws Exception {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry(name));
            zip.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }
}
