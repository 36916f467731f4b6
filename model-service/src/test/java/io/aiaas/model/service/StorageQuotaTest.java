package io.aiaas.model.service;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@code storageBytes} holds exactly: versions (uploaded or trained), datasets and batch outputs count against it;
 * concurrent uploads never pass it together, and whatever would pass it is refused before anything of it stays.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class StorageQuotaTest extends JobEngineTestSupport {
    private static final byte[] DENSE_ZIP = Archives.zip(Archives.entries(DenseModels.dense(), ""));

    /** The test plan with {@code storageBytes} and {@code concurrentJobs}. */
    private static PlanLimits storagePlan(long storageBytes, int concurrentJobs) {
        PlanLimits p = Tokens.TEST_PLAN;
        return new PlanLimits(
                p.name(),
                p.version(),
                p.requestsPerSecond(),
                p.burst(),
                concurrentJobs,
                p.monthlyComputeUnits(),
                p.maxRequestBytes(),
                p.maxModelBytes(),
                storageBytes,
                p.maxBatchRows());
    }

    private long used(String tenant) {
        return queryLong(
                "SELECT COALESCE((SELECT SUM(size_bytes) FROM model_version WHERE tenant_id = ?), 0)"
                        + " + COALESCE((SELECT SUM(size_bytes) FROM dataset WHERE tenant_id = ?), 0)"
                        + " + COALESCE((SELECT SUM(size_bytes) FROM job_output WHERE tenant_id = ?), 0)",
                tenant,
                tenant,
                tenant);
    }

    private static long staging() {
        return countFiles(InternalKeysTestResource.artifactDir().resolve(".staging"));
    }

    @Test
    void concurrentVersionUploadsNeverPassStorageAndTheLosersStoreNothing() throws Exception {
        String tenant = newTenant();
        String modelId = createModel(tenant, "crowded");
        long size = DENSE_ZIP.length;
        // room for two archives, not three
        long storageBytes = 2 * size + size / 2;
        String token = Tokens.tenant(tenant, io.aiaas.common.auth.Scopes.ALL, storagePlan(storageBytes, 4));
        int uploads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(uploads);
        List<Future<Integer>> answers = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int i = 0; i < uploads; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    ValidatableResponse r = as(token)
                            .contentType("application/zip")
                            .body(DENSE_ZIP)
                            .post("/v1/models/crowded/versions")
                            .then();
                    int status = r.extract().statusCode();
                    if (status == 413) {
                        r.contentType("application/problem+json").body("type", equalTo("/problems/payload-too-large"));
                    }
                    return status;
                }));
            }
            start.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : answers) {
                statuses.add(f.get());
            }
            assertEquals(2, statuses.stream().filter(s -> s == 201).count(), statuses.toString());
            assertEquals(uploads - 2, statuses.stream().filter(s -> s == 413).count(), statuses.toString());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, queryLong("SELECT COUNT(*) FROM model_version WHERE tenant_id = ?", tenant));
        assertEquals(2 * size, used(tenant));
        assertTrue(used(tenant) <= storageBytes);
        Path dir = InternalKeysTestResource.artifactDir().resolve(tenant).resolve(modelId);
        // one directory per stored version, nothing of the refused ones
        try (var versions = java.nio.file.Files.list(dir)) {
            assertEquals(2, versions.count());
        }
        assertEquals(0, staging(), "staging leftovers");
        // the version numbers the losers did not take stay free: the next ones follow 1 and 2
        as(token)
                .get("/v1/models/crowded/versions")
                .then()
                .statusCode(200)
                .body("items.version", org.hamcrest.Matchers.contains(2, 1));

        // full: refused at once, before the body is kept
        as(token)
                .contentType("application/zip")
                .body(DENSE_ZIP)
                .post("/v1/models/crowded/versions")
                .then()
                .statusCode(413)
                .contentType("application/problem+json");
        assertEquals(2, queryLong("SELECT COUNT(*) FROM model_version WHERE tenant_id = ?", tenant));
        // room again once a version goes
        as(token).delete("/v1/models/crowded/versions/1").then().statusCode(204);
        as(token)
                .contentType("application/zip")
                .body(DENSE_ZIP)
                .post("/v1/models/crowded/versions")
                .then()
                .statusCode(201)
                .body("version", equalTo(3));
    }

    @Test
    void aBatchJobWhoseOutputWouldPassStorageFailsStorageExceededAndKeepsNoOutput() {
        String tenant = newTenant();
        setUpDense(tenant, "scorer");
        String csv = "a,b,c,y\n1,2,3,0\n4,5,6,1\n7,8,9,0\n";
        String rows = as(Tokens.tenant(tenant))
                .contentType("text/csv")
                .body(csv)
                .post("/v1/datasets?name=rows&label=y")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        long before = used(tenant);
        // 100 bytes of output fit, not more
        PlanLimits plan = storagePlan(before + 100, 1);
        String job = as(Tokens.tenant(tenant, io.aiaas.common.auth.Scopes.ALL, plan))
                .contentType("application/json")
                .body(Map.of("type", "inference", "model", "scorer", "dataset", rows))
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        int attempt = awaitClaim(tenant, job, "w-storage").attempt();
        String small = "{\"row\":0}\n";
        part(tenant, job, "w-storage", attempt, 0, 1, small).statusCode(200);
        assertEquals(before + small.length(), used(tenant));
        // the next part would pass storageBytes: 413 to the worker, the job fails, its output is gone
        part(tenant, job, "w-storage", attempt, 1, 3, "x".repeat(200) + "\n")
                .statusCode(413)
                .contentType("application/problem+json");
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + job)
                .then()
                .statusCode(200)
                .body("status", equalTo("failed"))
                .body("error.type", equalTo("storage_exceeded"));
        assertEquals(0, queryLong("SELECT COUNT(*) FROM job_output WHERE job_id = ?", job));
        assertEquals(before, used(tenant));
        Path dir = InternalKeysTestResource.artifactDir()
                .resolve(tenant)
                .resolve("jobs")
                .resolve(job);
        assertEquals(0, countFiles(dir), "output files of the failed job");
        // the worker's lease is gone with it
        part(tenant, job, "w-storage", attempt, 1, 2, small).statusCode(409);
        as(Tokens.tenant(tenant)).get("/v1/jobs/" + job + "/result").then().statusCode(404);
    }

    @Test
    void aTrainedVersionThatWouldPassStorageFailsTheJobAndIsNotStored() {
        String tenant = newTenant();
        String dataset = as(Tokens.tenant(tenant))
                .contentType("text/csv")
                .body("a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,2\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/datasets?name=train&label=label")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        long before = used(tenant);
        // less room than the trained model's archive takes
        PlanLimits plan = storagePlan(before + DENSE_ZIP.length / 2, 2);
        String job = as(Tokens.tenant(tenant, io.aiaas.common.auth.Scopes.ALL, plan))
                .contentType("application/json")
                .body("{\"type\":\"training\",\"dataset\":\"" + dataset + "\",\"model\":\"trained\",\"spec\":"
                        + "{\"layers\":[{\"type\":\"dense\",\"units\":3,\"activation\":\"softmax\"}],"
                        + "\"loss\":\"sparse_categorical_crossentropy\",\"epochs\":1}}")
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        int attempt = awaitClaim(tenant, job, "w-train").attempt();
        postTrainedVersion(tenant, job, "w-train", attempt)
                .statusCode(413)
                .contentType("application/problem+json")
                .body("detail", containsString("storage"));
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + job)
                .then()
                .body("status", equalTo("failed"))
                .body("error.type", equalTo("storage_exceeded"));
        assertEquals(0, queryLong("SELECT COUNT(*) FROM model_version WHERE tenant_id = ?", tenant));
        // the job would have made its target model: without a version there is none
        as(Tokens.tenant(tenant)).get("/v1/models/trained").then().statusCode(404);
        assertEquals(0, queryLong("SELECT COUNT(*) FROM model WHERE tenant_id = ?", tenant));
        assertEquals(before, used(tenant));
        assertEquals(0, staging(), "staging leftovers");
    }

    private static ValidatableResponse part(
            String tenant, String job, String workerId, int attempt, long from, long to, String ndjson) {
        return as(Tokens.worker(tenant))
                .contentType("application/x-ndjson")
                .body(ndjson.getBytes(StandardCharsets.UTF_8))
                .put("/internal/v1/jobs/" + job + "/output?workerId=" + workerId + "&attempt=" + attempt + "&from="
                        + from + "&to=" + to)
                .then();
    }
}
