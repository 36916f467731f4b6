package io.aiaas.model.service;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.events.ClaimAnswer;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/jobs/{id}/cancel} in every state, and what workers are told. */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class JobCancelTest extends JobEngineTestSupport {
    private static final PlanLimits ONE = planWith(1);

    private static io.restassured.response.ValidatableResponse cancel(String tenant, String job) {
        return as(Tokens.tenant(tenant)).post("/v1/jobs/" + job + "/cancel").then();
    }

    @Test
    void queuedJobsAreCancelledAtOnceAndTheirSlotGoesToTheNext() {
        String tenant = newTenant();
        setUpDense(tenant, "cancelled");
        String dispatched = submit(tenant, ONE, "cancelled");
        String waiting = submit(tenant, ONE, "cancelled");
        String last = submit(tenant, ONE, "cancelled");
        await("the first job dispatched", WAIT, () -> holdingSlots(tenant) == 1);
        assertEquals(dispatched, oldestDispatched(tenant));

        // Waiting for a slot: cancelled, and the slot stays with the dispatched one.
        cancel(tenant, waiting)
                .statusCode(202)
                .body("id", equalTo(waiting))
                .body("status", equalTo("cancelled"))
                .body("finishedAt", org.hamcrest.Matchers.notNullValue());
        assertEquals(dispatched, oldestDispatched(tenant));
        // Dispatched: cancelled, its slot goes to the next waiting job, and a worker's late claim does not proceed.
        cancel(tenant, dispatched).statusCode(202).body("status", equalTo("cancelled"));
        assertEquals(last, oldestDispatched(tenant));
        assertSlots(tenant, 1);
        ClaimAnswer late = claim(tenant, dispatched, "w-late");
        assertFalse(late.proceed());
        assertEquals("cancelled", late.status());
        // Finished: 409, and nothing changes.
        cancel(tenant, dispatched)
                .statusCode(409)
                .contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.endsWith("/problems/conflict"));
        assertEquals(
                "queued cancelled",
                queryString(
                        "SELECT string_agg(data->>'status', ' ' ORDER BY seq) FROM job_event WHERE job_id = ?",
                        dispatched));
    }

    @Test
    void aRunningJobIsCancellingUntilItsWorkerStopsIt() {
        String tenant = newTenant();
        setUpDense(tenant, "stopped");
        String job = submit(tenant, ONE, "stopped");
        String next = submit(tenant, ONE, "stopped");
        String worker = "w-cancel-" + UUID.randomUUID();
        ClaimAnswer claim = awaitClaim(tenant, job, worker);

        cancel(tenant, job).statusCode(202).body("status", equalTo("cancelling"));
        cancel(tenant, job).statusCode(202).body("status", equalTo("cancelling"));
        // The worker is told on the control topic, and again in its heartbeat answer; it keeps its slot meanwhile.
        JsonNode control = Json.read(
                records(Topics.JOB_CONTROL, job, found -> !found.isEmpty()).get(0), JsonNode.class);
        assertEquals("cancel", control.path("type").asText());
        assertEquals(job, control.path("jobId").asText());
        assertEquals(worker, control.path("workerId").asText());
        assertEquals(
                List.of(job),
                heartbeat(worker, "inc", Map.of(job, claim.attempt())).getList("cancel"));
        assertEquals(1, holdingSlots(tenant));

        // It stops and reports cancelled with the compute used: billed, ended, and its slot goes to the next job.
        publishEvents(terminal(tenant, job, claim.attempt(), 1, JobStatus.CANCELLED));
        awaitStatus(tenant, job, "cancelled");
        as(Tokens.tenant(tenant)).get("/v1/jobs/" + job).then().body("usage.computeMillis", equalTo(5));
        await("the next job dispatched", WAIT, () -> next.equals(oldestDispatched(tenant)));
        cancel(tenant, job).statusCode(409);

        // The repeated cancel was idempotent: one audit record of the request, one cancelling status.
        List<AuditRecord> audited = records(Topics.AUDIT, tenant, found -> found.stream()
                        .anyMatch(r -> r.contains("\"job.cancelled\"") && r.contains(job)))
                .stream()
                .map(r -> Json.read(r, AuditRecord.class))
                .filter(r -> AuditTrail.job(job).equals(r.target()))
                .toList();
        assertEquals(
                List.of("job.created", "job.cancel-requested", "job.cancelled"),
                audited.stream().map(AuditRecord::action).toList());
        assertEquals(
                "queued running cancelling cancelled",
                queryString(
                        "SELECT string_agg(data->>'status', ' ' ORDER BY seq) FROM job_event"
                                + " WHERE job_id = ? AND kind = 'status'",
                        job));
    }

    @Test
    void aCancellingJobWhoseWorkerVanishedEndsCancelled() {
        String tenant = newTenant();
        setUpDense(tenant, "vanished");
        String job = submit(tenant, ONE, "vanished");
        awaitClaim(tenant, job, "w-gone");
        cancel(tenant, job).statusCode(202).body("status", equalTo("cancelling"));
        awaitStatus(tenant, job, "cancelled");
        assertEquals(0, inUse(tenant));
    }

    @Test
    void onlyTheOwnerWithJobsWriteCancels() {
        String tenant = newTenant();
        setUpDense(tenant, "owned");
        String job = submit(tenant, ONE, "owned");
        cancel(newTenant(), job).statusCode(404).contentType("application/problem+json");
        cancel(tenant, "job_doesnotexist").statusCode(404);
        as(Tokens.tenant(tenant, List.of(Scopes.JOBS_READ)))
                .post("/v1/jobs/" + job + "/cancel")
                .then()
                .statusCode(403);
        assertEquals("queued", status(tenant, job));
    }
}
