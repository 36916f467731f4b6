package io.aiaas.model.service;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.events.ClaimAnswer;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

/**
 * What a training job's worker stores at model-service: a checkpoint per epoch (only the lease holder's, never going
 * back, handed to the next attempt by its claim) and, at the end, the trained SavedModel as the next version of the
 * target model, created when absent, once per job.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class TrainingArtifactsTest extends JobEngineTestSupport {
    private static ValidatableResponse putCheckpoint(
            String tenant, String job, String workerId, int attempt, int epoch, byte[] bytes) {
        return putCheckpoint(tenant, job, workerId, attempt, epoch, bytes, "");
    }

    private static ValidatableResponse putCheckpoint(
            String tenant, String job, String workerId, int attempt, int epoch, byte[] bytes, String usage) {
        return as(Tokens.worker(tenant))
                .contentType("application/octet-stream")
                .body(bytes)
                .put("/internal/v1/jobs/" + job + "/checkpoint?workerId=" + workerId + "&attempt=" + attempt + "&epoch="
                        + epoch + usage)
                .then();
    }

    @Test
    void checkpointsFollowTheLeaseNeverGoBackAndReachTheNextAttempt() {
        String tenant = newTenant();
        String job = trainingJob(tenant, "ckpt");
        ClaimAnswer first = awaitClaim(tenant, job, "w-train");
        int attempt = first.attempt();
        as(Tokens.worker(tenant))
                .get("/internal/v1/jobs/" + job + "/checkpoint")
                .then()
                .statusCode(404);

        putCheckpoint(tenant, job, "w-train", attempt, 1, new byte[] {1, 1}).statusCode(200);
        putCheckpoint(tenant, job, "w-train", attempt, 2, new byte[] {2, 2, 2}, "&computeMillis=1500&examples=6")
                .statusCode(200)
                .body("epoch", equalTo(2))
                .body("sizeBytes", equalTo(3));
        // not back to an earlier epoch; only the lease holder of its attempt; another tenant sees no job
        putCheckpoint(tenant, job, "w-train", attempt, 1, new byte[] {9}).statusCode(409);
        putCheckpoint(tenant, job, "w-other", attempt, 3, new byte[] {9}).statusCode(409);
        putCheckpoint(tenant, job, "w-train", attempt + 1, 3, new byte[] {9}).statusCode(409);
        putCheckpoint(newTenant(), job, "w-train", attempt, 3, new byte[] {9}).statusCode(404);
        putCheckpoint(tenant, job, "w-train", attempt, 0, new byte[] {9}).statusCode(400);

        byte[] stored = as(Tokens.worker(tenant))
                .get("/internal/v1/jobs/" + job + "/checkpoint")
                .then()
                .statusCode(200)
                .header("X-Checkpoint-Epoch", "2")
                .header("X-Checkpoint-Compute-Millis", "1500")
                .header("X-Checkpoint-Examples", "6")
                .extract()
                .asByteArray();
        assertArrayEquals(new byte[] {2, 2, 2}, stored);
        as(Tokens.worker(newTenant()))
                .get("/internal/v1/jobs/" + job + "/checkpoint")
                .then()
                .statusCode(404);

        // handed back: the next claim names the checkpoint's epoch
        release(tenant, job, "w-train", attempt, "platform", null);
        io.restassured.path.json.JsonPath again = as(Tokens.worker(tenant))
                .contentType("application/json")
                .body(java.util.Map.of("workerId", "w-next"))
                .post("/internal/v1/jobs/" + job + "/claim")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(2, again.getInt("checkpoint.epoch"));
    }

    @Test
    void theTrainedModelBecomesTheTargetsNextVersionOncePerJob() {
        String tenant = newTenant();
        String job = trainingJob(tenant, "fresh");
        int attempt = awaitClaim(tenant, job, "w-train").attempt();
        postTrainedVersion(tenant, job, "w-other", attempt).statusCode(409);
        postTrainedVersion(tenant, job, "w-train", attempt)
                .statusCode(200)
                .body("model", equalTo("fresh"))
                .body("version", equalTo(1));
        // a repeat (an answer lost on the way) is the same version, not a second one
        postTrainedVersion(tenant, job, "w-train", attempt).statusCode(200).body("version", equalTo(1));
        as(Tokens.tenant(tenant))
                .get("/v1/models/fresh/versions")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(1))
                .body("items[0].version", equalTo(1));

        // an existing model gets its next version
        String second = trainingJob(tenant, "fresh");
        int secondAttempt = awaitClaim(tenant, second, "w-train").attempt();
        postTrainedVersion(tenant, second, "w-train", secondAttempt)
                .statusCode(200)
                .body("version", equalTo(2));
    }
}
