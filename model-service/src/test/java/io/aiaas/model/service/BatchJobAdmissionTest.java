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
