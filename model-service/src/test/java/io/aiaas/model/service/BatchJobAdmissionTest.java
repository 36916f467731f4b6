package io.aiaas.model.service;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Batch inference jobs at submission: what is accepted, what is refused, and that a used dataset stays. */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class BatchJobAdmissionTest extends JobEngineTestSupport {

    private static String dataset(String tenant, String csv) {
        return as(Tokens.tenant(tenant))
                .contentType("text/csv")
                .body(csv)
                .post("/v1/datasets?name=rows&label=y")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private static Map<String, Object> batch(String model, String dataset) {
        Map<String, Object> body = new HashMap<>();
        body.put("type", "inference");
        body.put("model", model);
        body.put("dataset", dataset);
        return body;
    }

    private static ValidatableResponse post(String token, Map<String, Object> body) {
        return as(token)
                .contentType("application/json")
                .body(body)
                .post("/v1/jobs")
                .then();
    }

    @Test
    void aBatchJobOverAFittingDatasetIsQueuedAndHoldsItsDataset() throws Exception {
        String tenant = newTenant();
        setUpDense(tenant, "scorer");
        String rows = dataset(tenant, "a,b,c,y\n1,2,3,0\n4,5,6,1\n");
        Map<String, Object> body = batch("scorer", rows);
        body.put("parameters", Map.of("chunk_rows", 100));
        String job = post(tenantToken(tenant, planWith(0)), body)
                .statusCode(202)
                .body("status", equalTo("queued"))
                .extract()
                .path("id");
        var request = Json.mapper().readTree(queryString("SELECT CAST(request AS text) FROM job WHERE id = ?", job));
        assertEquals(rows, request.path("datasetId").asText());
        assertEquals(
                100,
                request.path("inputs").path("parameters").path("chunk_rows").asInt());
        assertEquals("serving_default", request.path("signature").asText());
        // the dataset stays while the job may still read it
        as(Tokens.tenant(tenant))
                .delete("/v1/datasets/" + rows)
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        as(Tokens.tenant(tenant)).post("/v1/jobs/" + job + "/cancel").then().statusCode(202);
        as(Tokens.tenant(tenant)).delete("/v1/datasets/" + rows).then().statusCode(204);
    }

    @Test
    void outputPartsFollowTheLeaseAndTheCheckpointAndARerunResumesThere() throws Exception {
        String tenant = newTenant();
        setUpDense(tenant, "scorer");
        String rows = dataset(tenant, "a,b,c,y\n1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n2,2,2,0\n");
        String job = post(tenantToken(tenant, planWith(1)), batch("scorer", rows))
                .statusCode(202)
                .extract()
                .path("id");
        io.restassured.path.json.JsonPath first = claimRaw(tenant, job, "w-batch");
        org.junit.jupiter.api.Assertions.assertNull(first.get("checkpoint"), "a first run starts afresh");
        int attempt = first.getInt("attempt");

        part(tenant, job, "w-batch", attempt, 0, 2, "{\"row\":0}\n{\"row\":1}\n")
                .statusCode(200)
                .body("rowsDone", equalTo(2))
                .body("totalRows", equalTo(5));
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + job)
                .then()
                .body("progress.rows", equalTo(2))
                .body("progress.totalRows", equalTo(5));
        // a part must start where the stored rows end, come from the lease holder, for its attempt, within the rows
        // the same part again from its attempt (an answer lost on the way) is taken as stored, its body dropped
        part(tenant, job, "w-batch", attempt, 0, 2, "x\n").statusCode(200).body("rowsDone", equalTo(2));
        part(tenant, job, "w-batch", attempt, 0, 1, "x\n").statusCode(409);
        part(tenant, job, "w-other", attempt, 2, 3, "x\n").statusCode(409);
        part(tenant, job, "w-batch", attempt + 1, 2, 3, "x\n").statusCode(409);
        part(tenant, job, "w-batch", attempt, 2, 9, "x\n").statusCode(400);
        part(tenant, job, "w-batch", attempt, 3, 2, "x\n").statusCode(400);
        part(newTenant(), job, "w-batch", attempt, 2, 3, "x\n").statusCode(404);

        // handed back (not the job's fault): the next claim resumes at the checkpoint
        release(tenant, job, "w-batch", attempt, "platform", null);
        io.restassured.path.json.JsonPath again = claimRaw(tenant, job, "w-next");
        assertEquals(2, again.getInt("checkpoint.rows"));
        part(tenant, job, "w-next", again.getInt("attempt"), 2, 5, "{\"row\":2}\n{\"row\":3}\n{\"row\":4}\n")
                .statusCode(200)
                .body("rowsDone", equalTo(5));
        java.nio.file.Path dir = io.aiaas.model.support.InternalKeysTestResource.artifactDir()
                .resolve(tenant)
                .resolve("jobs")
                .resolve(job);
        assertEquals("{\"row\":0}\n{\"row\":1}\n", java.nio.file.Files.readString(dir.resolve("part-0.ndjson")));
        assertEquals(
                3,
                java.nio.file.Files.readString(dir.resolve("part-2.ndjson"))
                        .lines()
                        .count());
    }

    /** Claims the job as soon as it is dispatched; the answer as JSON (with its checkpoint). */
    private static io.restassured.path.json.JsonPath claimRaw(String tenant, String job, String workerId) {
        io.restassured.path.json.JsonPath[] answer = new io.restassured.path.json.JsonPath[1];
        await("a claim of " + job, WAIT, () -> {
            answer[0] = as(Tokens.worker(tenant))
                    .contentType("application/json")
                    .body(Map.of("workerId", workerId))
                    .post("/internal/v1/jobs/" + job + "/claim")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            return answer[0].getBoolean("proceed");
        });
        return answer[0];
    }

    private static ValidatableResponse part(
            String tenant, String job, String workerId, int attempt, long from, long to, String ndjson) {
        return as(Tokens.worker(tenant))
                .contentType("application/x-ndjson")
                .body(ndjson.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/internal/v1/jobs/" + job + "/output?workerId=" + workerId + "&attempt=" + attempt + "&from="
                        + from + "&to=" + to)
                .then();
    }

    @Test
    void batchJobsThatCannotRunAreRefusedAndNothingIsQueued() {
        String tenant = newTenant();
        setUpDense(tenant, "scorer");
        String fits = dataset(tenant, "a,b,c,y\n1,2,3,0\n4,5,6,1\n");
        String narrow = dataset(tenant, "a,b,y\n1,2,0\n");
        String strangers = newTenant();
        String theirs = dataset(strangers, "a,b,c,y\n1,2,3,0\n");

        post(Tokens.tenant(tenant), batch("scorer", "ds_unknown")).statusCode(404);
        post(Tokens.tenant(tenant), batch("scorer", theirs)).statusCode(404);
        post(Tokens.tenant(tenant), batch("nobody", fits)).statusCode(404);
        post(Tokens.tenant(tenant), batch("scorer", narrow))
                .statusCode(422)
                .body("detail", containsString("2 features"));
        Map<String, Object> both = batch("scorer", fits);
        both.put(
                "inputs",
                List.of(Map.of("name", "x", "shape", List.of(1, 3), "datatype", "FP32", "data", List.of(1, 2, 3))));
        post(Tokens.tenant(tenant), both).statusCode(422);
        for (Object chunk : List.of(0, -1, 1.5, "many", 65_537)) {
            Map<String, Object> bad = batch("scorer", fits);
            bad.put("parameters", Map.of("chunk_rows", chunk));
            post(Tokens.tenant(tenant), bad).statusCode(422).body("detail", containsString("chunk_rows"));
        }
        PlanLimits p = Tokens.TEST_PLAN;
        PlanLimits oneRow = new PlanLimits(
                p.name(),
                p.version(),
                p.requestsPerSecond(),
                p.burst(),
                p.concurrentJobs(),
                p.monthlyComputeUnits(),
                p.maxRequestBytes(),
                p.maxModelBytes(),
                p.storageBytes(),
                1);
        post(tenantToken(tenant, oneRow), batch("scorer", fits))
                .statusCode(422)
                .body("detail", containsString("maxBatchRows"));
        as(Tokens.tenant(tenant)).get("/v1/jobs").then().statusCode(200).body("items.size()", equalTo(0));
    }
}
