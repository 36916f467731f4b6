package io.aiaas.model.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.events.ClaimAnswer;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Per-tenant slots: exact under races, used again at once when a job ends, held while a tenant is suspended. */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class JobSchedulingTest extends JobEngineTestSupport {

    @Inject
    JobScheduler scheduler;

    @Test
    void aTenantNeverRunsMoreJobsThanItsPlanAllowsAndAFreedSlotIsUsedAtOnce() {
        PlanLimits two = planWith(2);
        String tenant = newTenant();
        String other = newTenant();
        setUpDense(tenant, "slots");
        setUpDense(other, "slots");
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            jobs.add(submit(tenant, two, "slots"));
        }
        List<String> otherJobs = List.of(submit(other, two, "slots"), submit(other, two, "slots"));
        await("two of the tenant's jobs dispatched", WAIT, () -> holdingSlots(tenant) == 2);
        await("the other tenant's jobs dispatched too", WAIT, () -> holdingSlots(other) == 2);
        assertSlots(tenant, 2);

        // The dispatch record is lean: no inputs (the claim hands them over), the effective runtime bound.
        String first = jobs.get(0);
        JobRequest dispatched =
                Json.read(records(Topics.JOBS, first, found -> !found.isEmpty()).get(0), JobRequest.class);
        assertNull(dispatched.inputs());
        assertEquals(86400, dispatched.maxRuntimeSeconds());

        // Run every job to the end as a worker would: at each step no more than two hold a slot, oldest first.
        Set<String> finished = new HashSet<>();
        int seq = 0;
        while (finished.size() < jobs.size()) {
            String next = oldestDispatched(tenant);
            assertTrue(jobs.contains(next) && !finished.contains(next), next);
            ClaimAnswer claim = awaitClaim(tenant, next, "w-slots");
            assertEquals(1, claim.attempt());
            assertSlots(tenant, 2);
            publishEvents(terminal(tenant, next, 1, ++seq, JobStatus.SUCCEEDED));
            awaitStatus(tenant, next, "succeeded");
            finished.add(next);
            // The freed slot went to the next waiting job in the transaction that ended this one.
            long waiting = jobs.size() - finished.size();
            assertEquals(Math.min(2, waiting), holdingSlots(tenant), "slots held after " + finished.size());
            assertSlots(tenant, 2);
        }
        assertEquals(0, inUse(tenant));
        // The other tenant was not held up by any of it.
        for (String j : otherJobs) {
            assertEquals("queued", status(other, j));
        }
        assertEquals(2, holdingSlots(other));
    }

    @Test
    void schedulersRacingOnOneTenantNeverExceedItsLimit() throws Exception {
        PlanLimits three = planWith(3);
        String tenant = newTenant();
        setUpDense(tenant, "race");
        // Suspended while its jobs arrive, so that nothing is dispatched before the race starts.
        execute(
                "INSERT INTO tenant_slot (tenant_id, concurrent_limit, in_use, suspended, updated_at)"
                        + " VALUES (?, 3, 0, true, now())",
                tenant);
        for (int i = 0; i < 20; i++) {
            submit(tenant, three, "race");
        }
        assertEquals(0, holdingSlots(tenant));
        execute("UPDATE tenant_slot SET suspended = false WHERE tenant_id = ?", tenant);

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> passes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                passes.add(i % 2 == 0 ? () -> scheduler.dispatchTenant(tenant) : scheduler::pass);
            }
            for (Future<Integer> f : pool.invokeAll(passes)) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(3, holdingSlots(tenant));
        assertSlots(tenant, 3);
        // And it stays so: later passes find no free slot.
        scheduler.pass();
        assertEquals(3, holdingSlots(tenant));
    }

    @Test
    void aSuspendedTenantsJobsWaitUntilItIsResumed() {
        String tenant = newTenant();
        setUpDense(tenant, "held");
        publish(
                Topics.TENANT_EVENTS,
                tenant,
                Json.write(new TenantEvent(
                        "evt_1", TenantEvent.TYPE_TENANT_SUSPENDED, tenant, null, null, Instant.now())));
        await(
                "the suspension to arrive",
                WAIT,
                () -> queryLong("SELECT count(*) FROM tenant_slot WHERE tenant_id = ? AND suspended", tenant) == 1);
        String job = submit(tenant, planWith(2), "held");
        scheduler.pass();
        assertEquals(0, holdingSlots(tenant));
        assertEquals("queued", status(tenant, job));
        assertTrue(!claim(tenant, job, "w-held").proceed(), "a job that was never dispatched is not claimed");

        publish(
                Topics.TENANT_EVENTS,
                tenant,
                Json.write(
                        new TenantEvent("evt_2", TenantEvent.TYPE_TENANT_RESUMED, tenant, null, null, Instant.now())));
        await("the job to be dispatched after the resumption", WAIT, () -> holdingSlots(tenant) == 1);
        assertEquals(1, awaitClaim(tenant, job, "w-held").attempt());
    }

    @Test
    void aPlanChangeTakesEffectAtTheNextSubmission() {
        String tenant = newTenant();
        setUpDense(tenant, "grow");
        for (int i = 0; i < 3; i++) {
            submit(tenant, planWith(1), "grow");
        }
        await("one job dispatched", WAIT, () -> holdingSlots(tenant) == 1);
        submit(tenant, planWith(3), "grow");
        await("three jobs dispatched under the new plan", WAIT, () -> holdingSlots(tenant) == 3);
        assertEquals(3, queryLong("SELECT concurrent_limit FROM tenant_slot WHERE tenant_id = ?", tenant));
        assertSlots(tenant, 3);
    }
}
