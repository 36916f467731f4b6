package io.aiaas.model.service;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.ClaimAnswer;
import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Claims, leases, heartbeats, releases and lapses, as workers drive them (lease 3 s and sweeps every 200 ms in tests),
 * and the worker fleet as administrators see it.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class JobLeaseTest extends JobEngineTestSupport {

    private String newJob(String tenant) {
        return submit(tenant, Tokens.TEST_PLAN, "leased");
    }

    private String tenantWithModel() {
        String tenant = newTenant();
        setUpDense(tenant, "leased");
        return tenant;
    }

    @Test
    void aClaimHandsTheWholeJobOverUnderALease() {
        String tenant = tenantWithModel();
        String job = as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of(
                        "type",
                        "inference",
                        "model",
                        "leased",
                        "maxRuntimeSeconds",
                        60,
                        "inputs",
                        List.of(Map.of(
                                "name", "x", "shape", List.of(1, 3), "datatype", "FP32", "data", List.of(1, 2, 3)))))
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        Instant before = Instant.now();
        ClaimAnswer answer = awaitClaim(tenant, job, "w-claim");
        assertEquals(1, answer.attempt());
        assertEquals(job, answer.job().jobId());
        assertEquals("x", answer.job().inputs().inputs().get(0).name());
        assertEquals(60, answer.job().maxRuntimeSeconds());
        assertTrue(
                answer.leaseExpiresAt().isAfter(before.plusSeconds(2)),
                answer.leaseExpiresAt().toString());
        assertEquals("running", status(tenant, job));
        as(Tokens.tenant(tenant)).get("/v1/jobs/" + job).then().body("startedAt", org.hamcrest.Matchers.notNullValue());

        // Held: another worker's claim does not proceed and says why.
        ClaimAnswer second = claim(tenant, job, "w-other");
        assertFalse(second.proceed());
        assertEquals("running", second.status());
        assertEquals(1, second.attempt());
        // A claim without a worker id, another tenant's worker token, a tenant's own token, no token.
        as(Tokens.worker(tenant))
                .contentType("application/json")
                .body(Map.of())
                .post("/internal/v1/jobs/" + job + "/claim")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        as(Tokens.worker(newTenant()))
                .contentType("application/json")
                .body(Map.of("workerId", "w"))
                .post("/internal/v1/jobs/" + job + "/claim")
                .then()
                .statusCode(404);
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("workerId", "w"))
                .post("/internal/v1/jobs/" + job + "/claim")
                .then()
                .statusCode(403);
        RestAssured.given()
                .contentType("application/json")
                .body(Map.of("workerId", "w"))
                .post("/internal/v1/jobs/" + job + "/claim")
                .then()
                .statusCode(401);
    }

    @Test
    void oneClaimCallClaimsJobsOfSeveralTenantsInOrder() {
        String first = tenantWithModel();
        String second = tenantWithModel();
        String a = submit(first, planWith(10), "leased");
        String b = submit(second, planWith(10), "leased");
        await(
                "both jobs dispatched",
                WAIT,
                () -> a.equals(oldestDispatched(first)) && b.equals(oldestDispatched(second)));
        String unknown = "job_" + UUID.randomUUID().toString().replace("-", "");
        JsonPath answer = claimAll(Tokens.worker(null), "w-batch", List.of(b, unknown, a, b));
        // One answer per distinct job, in the order asked.
        assertEquals(List.of(b, unknown, a), answer.getList("claims.jobId"));
        assertEquals(List.of(true, false, true), answer.getList("claims.proceed"));
        assertEquals("unknown", answer.getString("claims[1].status"));
        assertEquals(b, answer.getString("claims[0].job.jobId"));
        assertEquals(a, answer.getString("claims[2].job.jobId"));
        assertEquals(1, answer.getInt("claims[2].attempt"));
        assertNotNull(answer.getString("claims[2].leaseExpiresAt"));
        assertEquals("running", status(first, a));
        assertEquals("running", status(second, b));
        // Claimed again: held, and says by whom it is not.
        JsonPath again = claimAll(Tokens.worker(null), "w-other", List.of(a));
        assertEquals(false, again.getBoolean("claims[0].proceed"));
        assertEquals("running", again.getString("claims[0].status"));

        // A token acting for one tenant claims only that tenant's jobs: the other's are unknown to it.
        String c = submit(first, planWith(10), "leased");
        String d = submit(second, planWith(10), "leased");
        await("both dispatched", WAIT, () -> c.equals(oldestDispatched(first)) && d.equals(oldestDispatched(second)));
        JsonPath scoped = claimAll(Tokens.worker(first), "w-scoped", List.of(c, d));
        assertEquals(List.of(true, false), scoped.getList("claims.proceed"));
        assertEquals("unknown", scoped.getString("claims[1].status"));
        assertEquals("queued", status(second, d));

        // Bad claims: no worker id, no jobs, a blank id, a tenant's own token.
        for (Map<String, Object> bad : List.<Map<String, Object>>of(
                Map.of("jobs", List.of(d)),
                Map.of("workerId", "w"),
                Map.of("workerId", "w", "jobs", List.of()),
                Map.of("workerId", "w", "jobs", List.of(" ")))) {
            as(Tokens.worker(null))
                    .contentType("application/json")
                    .body(bad)
                    .post("/internal/v1/jobs/claims")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json");
        }
        as(Tokens.tenant(second))
                .contentType("application/json")
                .body(Map.of("workerId", "w", "jobs", List.of(d)))
                .post("/internal/v1/jobs/claims")
                .then()
                .statusCode(403);
        assertEquals("queued", status(second, d));
    }

    private static JsonPath claimAll(String token, String workerId, List<String> jobs) {
        return as(token)
                .contentType("application/json")
                .body(Map.of("workerId", workerId, "jobs", jobs))
                .post("/internal/v1/jobs/claims")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void runtimeBoundsAreCheckedAndCapped() {
        String tenant = tenantWithModel();
        for (Object bad : List.of(0, -5)) {
            var body = inference("leased");
            body.put("maxRuntimeSeconds", bad);
            as(Tokens.tenant(tenant))
                    .contentType("application/json")
                    .body(body)
                    .post("/v1/jobs")
                    .then()
                    .statusCode(422)
                    .contentType("application/problem+json");
        }
        for (Object unreadable : List.of("soon", 1.5)) {
            var body = inference("leased");
            body.put("maxRuntimeSeconds", unreadable);
            as(Tokens.tenant(tenant))
                    .contentType("application/json")
                    .body(body)
                    .post("/v1/jobs")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json");
        }
        as(Tokens.tenant(tenant)).get("/v1/jobs").then().body("items.size()", equalTo(0));
        var body = inference("leased");
        body.put("maxRuntimeSeconds", 10_000_000);
        String job = as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(body)
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        assertEquals(86400, awaitClaim(tenant, job, "w-cap").job().maxRuntimeSeconds());
    }

    @Test
    void heartbeatsKeepALeaseAndTheFleetShowsWhoIsAlive() throws Exception {
        String tenant = tenantWithModel();
        String job = newJob(tenant);
        String worker = "w-beat-" + UUID.randomUUID();
        String incarnation = "inc1";
        awaitClaim(tenant, job, worker);
        // Beyond the 3 s lease, renewed every 500 ms.
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        JsonPath answer = null;
        while (System.nanoTime() < until) {
            answer = heartbeat(worker, incarnation, Map.of(job, 1, "job_notmine", 1));
            Thread.sleep(500);
        }
        assertEquals("running", status(tenant, job));
        assertEquals(1, queryLong("SELECT attempt FROM job WHERE id = ?", job));
        assertNotNull(answer.getString("leaseExpiresAt"));
        assertEquals(List.of("job_notmine"), answer.getList("lost"));
        assertEquals(List.of(), answer.getList("cancel"));
        // A wrong attempt is not this worker's lease.
        assertEquals(
                List.of(job), heartbeat(worker, incarnation, Map.of(job, 2)).getList("lost"));

        JsonPath fleet = as(Tokens.admin())
                .get("/admin/v1/workers?limit=100")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        Map<String, Object> shown = fleet.getMap("items.find { it.id == '" + worker + "' }");
        assertEquals("active", shown.get("status"));
        assertEquals("cpu", shown.get("device"));
        assertEquals("test cpu", shown.get("deviceName"));
        assertEquals(1, shown.get("runningJobs"));
        assertEquals(List.of("mdl_test/1"), shown.get("loadedModels"));
        assertNotNull(shown.get("lastHeartbeat"));
        as(Tokens.tenant(tenant)).get("/admin/v1/workers").then().statusCode(403);
        as(Tokens.admin()).get("/admin/v1/workers?limit=0").then().statusCode(400);

        // Silent past the lease: the worker is lost and its job runs again (the attempt counted).
        await("the worker shown lost", WAIT, () -> "lost"
                .equals(as(Tokens.admin())
                        .get("/admin/v1/workers?limit=100")
                        .then()
                        .extract()
                        .jsonPath()
                        .getString("items.find { it.id == '" + worker + "' }.status")));
        await("the job back in the queue", WAIT, () -> "queued".equals(status(tenant, job)));
        assertEquals(2, awaitClaim(tenant, job, "w-next").attempt());
        // The old worker comes back: its job is lost to it.
        assertEquals(
                List.of(job), heartbeat(worker, incarnation, Map.of(job, 1)).getList("lost"));
    }

    @Test
    void aLapsedLeaseRunsTheJobAgainUntilItsAttemptsAreUsedThenItFailsWithADeadLetter() {
        String tenant = tenantWithModel();
        String job = newJob(tenant);
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertEquals(attempt, awaitClaim(tenant, job, "w-killed-" + attempt).attempt());
            // nobody heartbeats: the lease lapses after 3 s
        }
        awaitStatus(tenant, job, "failed");
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + job)
                .then()
                .body("error.type", equalTo("internal"))
                .body("error.detail", equalTo("The job failed on every attempt."));
        assertEquals(0, inUse(tenant));
        // Workers were told three times (first dispatch and two after lapses).
        assertEquals(3, records(Topics.JOBS, job, found -> found.size() >= 3).size());
        JsonNode letter = Json.read(
                records(Topics.JOB_DEAD_LETTERS, job, found -> !found.isEmpty()).get(0), JsonNode.class);
        assertEquals(job, letter.path("jobId").asText());
        assertEquals(tenant, letter.path("tenantId").asText());
        assertEquals("inference", letter.path("type").asText());
        assertEquals(3, letter.path("attempts").asInt());
        assertEquals("internal", letter.path("error").path("type").asText());
        assertFalse(claim(tenant, job, "w-late").proceed());
    }

    @Test
    void releasesGiveTheJobBackAndOnlyErrorsCountAsAttempts() {
        String tenant = tenantWithModel();
        String job = newJob(tenant);
        assertEquals(1, awaitClaim(tenant, job, "w-r").attempt());
        // A release by a worker that does not hold the lease changes nothing.
        release(tenant, job, "w-stranger", 1, "shutdown", null);
        assertEquals("running", status(tenant, job));
        // Shutdown and platform failures give the attempt back.
        release(tenant, job, "w-r", 1, "shutdown", null);
        assertEquals("queued", status(tenant, job));
        release(tenant, job, "w-r", 1, "shutdown", null); // again: idempotent
        assertEquals(1, awaitClaim(tenant, job, "w-r").attempt());
        release(tenant, job, "w-r", 1, "platform", null);
        assertEquals(1, awaitClaim(tenant, job, "w-r").attempt());
        // Errors count: the third one ends the job with the worker's error and a dead letter.
        JobError broken = new JobError("unprocessable", "The model does not load.");
        release(tenant, job, "w-r", 1, "error", broken);
        assertEquals(2, awaitClaim(tenant, job, "w-r").attempt());
        release(tenant, job, "w-r", 2, "error", broken);
        assertEquals(3, awaitClaim(tenant, job, "w-r").attempt());
        release(tenant, job, "w-r", 3, "error", broken);
        assertEquals("failed", status(tenant, job));
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + job)
                .then()
                .body("error.type", equalTo("unprocessable"))
                .body("error.detail", equalTo("The model does not load."));
        assertEquals(0, inUse(tenant));
        JsonNode letter = Json.read(
                records(Topics.JOB_DEAD_LETTERS, job, found -> !found.isEmpty()).get(0), JsonNode.class);
        assertEquals("unprocessable", letter.path("error").path("type").asText());
        // Bad release bodies are 4xx problems.
        as(Tokens.worker(tenant))
                .contentType("application/json")
                .body(Map.of("workerId", "w-r", "attempt", 1, "reason", "bored"))
                .post("/internal/v1/jobs/" + job + "/release")
                .then()
                .statusCode(422)
                .contentType("application/problem+json");
        as(Tokens.worker(tenant))
                .contentType("application/json")
                .body(Map.of("workerId", "w-r"))
                .post("/internal/v1/jobs/" + job + "/release")
                .then()
                .statusCode(400);
    }

    @Test
    void aRestartedWorkersOldLeasesLapseAtOnce() {
        String tenant = tenantWithModel();
        String job = newJob(tenant);
        String worker = "w-restart-" + UUID.randomUUID();
        heartbeat(worker, "before", Map.of());
        awaitClaim(tenant, job, worker);
        heartbeat(worker, "before", Map.of(job, 1));
        long start = System.nanoTime();
        // The same worker id, a new process that does not run the job.
        heartbeat(worker, "after", Map.of());
        await("the job back in the queue", WAIT, () -> "queued".equals(status(tenant, job)));
        assertTrue(
                Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(2500)) < 0,
                "well before the 3 s lease would have lapsed");
        assertEquals(2, awaitClaim(tenant, job, worker).attempt());
    }

    @Test
    void progressAppliesOnceAndInOrderAndTheFirstResultWins() {
        String tenant = tenantWithModel();
        String job = newJob(tenant);
        awaitClaim(tenant, job, "w-p");
        publishEvents(
                progress(tenant, job, 1, 2, 20), progress(tenant, job, 1, 1, 10), progress(tenant, job, 1, 2, 20));
        // A later marker: the job's own terminal event, after which nothing changes.
        publishEvents(terminal(tenant, job, 1, 3, JobStatus.SUCCEEDED));
        awaitStatus(tenant, job, "succeeded");
        publishEvents(terminal(tenant, job, 1, 4, JobStatus.FAILED), progress(tenant, job, 1, 5, 50));
        String other = newJob(tenant);
        awaitClaim(tenant, other, "w-p");
        publishEvents(terminal(tenant, other, 1, 1, JobStatus.SUCCEEDED));
        awaitStatus(tenant, other, "succeeded");
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + job)
                .then()
                .body("status", equalTo("succeeded"))
                .body("progress.step", equalTo(20))
                .body("error", org.hamcrest.Matchers.nullValue());
        assertEquals(
                1,
                queryLong("SELECT count(*) FROM job_event WHERE job_id = ? AND kind = 'progress'", job),
                "the stale and the repeated progress were not applied");
        assertEquals(
                "queued running succeeded",
                queryString(
                        "SELECT string_agg(data->>'status', ' ' ORDER BY seq) FROM job_event WHERE job_id = ?"
                                + " AND kind = 'status'",
                        job));
    }

    @Test
    void badHeartbeatsAreProblemsAndStoreNothing() {
        String worker = "w-bad-" + UUID.randomUUID();
        Map<String, Object> good = Map.of(
                "incarnation",
                "i1",
                "device",
                "cpu",
                "status",
                "active",
                "runningJobs",
                List.of(),
                "loadedModels",
                List.of());
        for (Map.Entry<Map<String, Object>, Integer> bad : Map.of(
                        with(good, "device", "tpu"), 422,
                        with(good, "status", "sleeping"), 422,
                        with(good, "incarnation", null), 400,
                        with(good, "runningJobs", List.of(Map.of("attempt", 1))), 400,
                        with(good, "runningJobs", "all of them"), 400)
                .entrySet()) {
            as(Tokens.worker(null))
                    .contentType("application/json")
                    .body(bad.getKey())
                    .put("/internal/v1/workers/" + worker)
                    .then()
                    .statusCode(bad.getValue())
                    .contentType("application/problem+json");
        }
        as(Tokens.worker(null))
                .contentType("application/json")
                .body("{not json")
                .put("/internal/v1/workers/" + worker)
                .then()
                .statusCode(400);
        // Only workers send heartbeats.
        as(Tokens.admin())
                .contentType("application/json")
                .body(good)
                .put("/internal/v1/workers/" + worker)
                .then()
                .statusCode(403);
        assertEquals(0, queryLong("SELECT count(*) FROM worker WHERE id = ?", worker));
    }

    private static Map<String, Object> with(Map<String, Object> body, String key, Object value) {
        Map<String, Object> changed = new java.util.HashMap<>(body);
        changed.put(key, value);
        return changed;
    }
}
