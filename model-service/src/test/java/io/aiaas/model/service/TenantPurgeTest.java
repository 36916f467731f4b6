package io.aiaas.model.service;

import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.ClaimAnswer;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.ModelEvent;
import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.EventStreamClient;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A deleted tenant's models, versions, aliases, datasets, jobs, idempotency keys and files are purged in the
 * background, resumably after a crash; other tenants and the platform catalogue keep everything. The tests drive
 * {@link TenantPurger} themselves ({@code %test} sets its interval to an hour and its chunk size to one row).
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class TenantPurgeTest extends JobEngineTestSupport {
    private static final PlanLimits TWO = planWith(2);

    /** HTTP/1.1, as browsers follow event streams. */
    private static final HttpClient SSE_CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @TestHTTPResource("/")
    URI base;

    @Inject
    TenantPurger purger;

    @Inject
    TenantSuspensions suspensions;

    @AfterEach
    void noCrash() {
        purger.afterChunk(null);
    }

    private static byte[] denseZip() {
        return Archives.zip(Archives.entries(DenseModels.dense(), ""));
    }

    private static String dataset(String tenant) {
        return as(Tokens.tenant(tenant))
                .contentType("text/csv")
                .body("a,b,c,label\n1,2,3,0\n4,5,6,1\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/datasets?name=rows&label=label")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    /** A model with two versions and alias {@code production} → 1, an empty model and a dataset; the model's id. */
    private static String objectsOf(String tenant) {
        String id = createModel(tenant, "kept");
        upload(tenant, "kept", "application/zip", denseZip()).statusCode(201);
        upload(tenant, "kept", "application/zip", denseZip()).statusCode(201);
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("version", 1))
                .put("/v1/models/kept/aliases/production")
                .then()
                .statusCode(200);
        createModel(tenant, "empty");
        dataset(tenant);
        return id;
    }

    private static TenantEvent deleted(String tenant) {
        return new TenantEvent(
                "evt_" + UUID.randomUUID(), TenantEvent.TYPE_TENANT_DELETED, tenant, null, null, Instant.now());
    }

    private static io.restassured.response.ValidatableResponse purgeView(String tenant) {
        return as(Tokens.admin()).get("/admin/v1/tenants/" + tenant + "/purge").then();
    }

    /** Rows of the tenant in every table that holds tenant data. */
    private long rowsOf(String tenant) {
        long rows = 0;
        for (String table :
                List.of("model", "model_version", "model_alias", "dataset", "job", "job_output", "tenant_slot")) {
            rows += queryLong("SELECT count(*) FROM " + table + " WHERE tenant_id = ?", tenant);
        }
        rows += queryLong("SELECT count(*) FROM idempotency_key WHERE scope = ?", tenant);
        return rows;
    }

    private static Path dirOf(String tenant) {
        return InternalKeysTestResource.artifactDir().resolve(tenant);
    }

    @Test
    void aDeletedTenantLosesEverythingButItsUsageWhileOthersKeepTheirs() {
        String tenant = newTenant();
        String other = newTenant();
        String platformModel = "purge-catalogue-" + UUID.randomUUID().toString().substring(0, 8);
        as(Tokens.admin())
                .contentType("application/json")
                .body(Map.of("name", platformModel))
                .post("/admin/v1/models")
                .then()
                .statusCode(201);
        as(Tokens.admin())
                .contentType("application/zip")
                .body(denseZip())
                .post("/admin/v1/models/" + platformModel + "/versions")
                .then()
                .statusCode(201);
        String modelId = objectsOf(tenant);
        objectsOf(other);
        as(Tokens.tenant(tenant))
                .header("Idempotency-Key", "purge-" + UUID.randomUUID())
                .contentType("application/json")
                .body(Map.of("name", "keyed"))
                .post("/v1/models")
                .then()
                .statusCode(201);

        // Jobs: one succeeded, one running whose worker will stop it, one running whose worker died, one waiting.
        String done = submit(tenant, TWO, "kept");
        ClaimAnswer doneClaim = awaitClaim(tenant, done, "w-purge-done");
        publishEvents(terminal(tenant, done, doneClaim.attempt(), 1, JobStatus.SUCCEEDED));
        awaitStatus(tenant, done, "succeeded");
        String running = submit(tenant, TWO, "kept");
        String worker = "w-purge-" + UUID.randomUUID();
        ClaimAnswer runningClaim = awaitClaim(tenant, running, worker);
        String silent = submit(tenant, TWO, "kept");
        awaitClaim(tenant, silent, "w-purge-silent");
        // leases that outlive the test's steps (the test lease is 3 s): the jobs end when the test says
        execute("UPDATE job SET lease_expires_at = now() + interval '1 hour' WHERE id IN (?, ?)", running, silent);
        String waiting = submit(tenant, TWO, "kept");
        String otherJob = submit(other, TWO, "kept");
        long otherFiles = countFiles(dirOf(other));
        long otherRows = rowsOf(other);
        assertTrue(countFiles(dirOf(tenant)) >= 3, "the tenant's archives and dataset are on disk");

        publish(Topics.TENANT_EVENTS, tenant, Json.write(deleted(tenant)));
        await(
                "the deletion to arrive",
                WAIT,
                () -> queryLong("SELECT count(*) FROM tenant_purge WHERE tenant_id = ?", tenant) == 1);

        // From now on nothing of the tenant's is written (a request in flight when its keys stopped).
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("name", "late"))
                .post("/v1/models")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");
        as(tenantToken(tenant, TWO))
                .contentType("application/json")
                .body(inference("kept"))
                .post("/v1/jobs")
                .then()
                .statusCode(403);
        as(Tokens.tenant(tenant))
                .contentType("text/csv")
                .body("a,label\n1,0\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/datasets?name=late&label=label")
                .then()
                .statusCode(403);
        purgeView(tenant)
                .statusCode(200)
                .body("tenantId", equalTo(tenant))
                .body("status", equalTo("pending"))
                .body("requestedAt", notNullValue())
                .body("finishedAt", nullValue())
                .body("remaining.models", equalTo(3))
                .body("remaining.versions", equalTo(2))
                .body("remaining.datasets", equalTo(1))
                .body("remaining.jobs", equalTo(4));

        // The first run cancels every job and deletes the ended ones; it waits for the running ones.
        assertFalse(purger.purge(tenant));
        assertEquals("cancelling", queryString("SELECT status FROM job WHERE id = ?", running));
        assertEquals("cancelling", queryString("SELECT status FROM job WHERE id = ?", silent));
        assertEquals(0, queryLong("SELECT count(*) FROM job WHERE id IN (?, ?)", done, waiting));
        JsonNode control = Json.read(
                records(Topics.JOB_CONTROL, running, found -> !found.isEmpty()).get(0), JsonNode.class);
        assertEquals("cancel", control.path("type").asText());
        assertEquals(worker, control.path("workerId").asText());
        purgeView(tenant).body("status", equalTo("pending")).body("remaining.jobs", equalTo(2));
        assertEquals(3, queryLong("SELECT count(*) FROM model WHERE tenant_id = ?", tenant), "models wait for jobs");

        // One worker stops its job; the other worker is gone, and its lease lapses.
        publishEvents(terminal(tenant, running, runningClaim.attempt(), 1, JobStatus.CANCELLED));
        execute("UPDATE job SET lease_expires_at = now() - interval '1 second' WHERE id = ?", silent);
        await(
                "both jobs ended",
                WAIT,
                () -> queryLong(
                                "SELECT count(*) FROM job WHERE tenant_id = ? AND status IN ('running', 'cancelling')",
                                tenant)
                        == 0);
        assertTrue(purger.purge(tenant));

        purgeView(tenant)
                .statusCode(200)
                .body("status", equalTo("finished"))
                .body("finishedAt", notNullValue())
                .body("remaining.models", equalTo(0))
                .body("remaining.versions", equalTo(0))
                .body("remaining.datasets", equalTo(0))
                .body("remaining.jobs", equalTo(0));
        assertEquals(0, rowsOf(tenant));
        assertEquals(
                0,
                queryLong(
                        "SELECT count(*) FROM job_event WHERE job_id IN (?, ?, ?, ?)", done, running, silent, waiting));
        assertFalse(Files.exists(dirOf(tenant)), "the tenant's directory is gone");
        List<String> modelEvents = records(Topics.MODEL_EVENTS, modelId, found -> found.stream()
                .anyMatch(e -> e.contains(ModelEvent.MODEL_DELETED)));
        assertTrue(modelEvents.stream().anyMatch(e -> e.contains(ModelEvent.MODEL_DELETED)), modelEvents.toString());

        // Another tenant and the catalogue keep everything.
        assertEquals(otherRows, rowsOf(other));
        assertEquals(otherFiles, countFiles(dirOf(other)));
        as(Tokens.tenant(other)).get("/v1/models/kept").then().statusCode(200).body("aliases.production", equalTo(1));
        as(Tokens.tenant(other)).get("/v1/jobs/" + otherJob).then().statusCode(200);
        as(Tokens.tenant(other)).get("/v1/models/" + platformModel).then().statusCode(200);
        as(Tokens.admin())
                .get("/admin/v1/models/" + platformModel + "/versions")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(1));

        // A worker that finishes late: its events change nothing and hold up no other job; its heartbeat loses the job.
        publishEvents(
                progress(tenant, running, runningClaim.attempt(), 2, 5),
                terminal(tenant, running, runningClaim.attempt(), 3, JobStatus.SUCCEEDED));
        ClaimAnswer otherClaim = awaitClaim(other, otherJob, "w-purge-other");
        publishEvents(terminal(other, otherJob, otherClaim.attempt(), 1, JobStatus.SUCCEEDED));
        awaitStatus(other, otherJob, "succeeded");
        assertEquals(0, queryLong("SELECT count(*) FROM job WHERE id = ?", running));
        assertEquals(
                List.of(running),
                heartbeat(worker, "inc", Map.of(running, runningClaim.attempt()))
                        .getList("lost"));

        // Redelivered events (an older suspension too) change nothing.
        String finishedAt = queryString("SELECT finished_at::text FROM tenant_purge WHERE tenant_id = ?", tenant);
        suspensions.apply(new TenantEvent(
                "evt_" + UUID.randomUUID(), TenantEvent.TYPE_TENANT_SUSPENDED, tenant, null, null, Instant.now()));
        suspensions.apply(deleted(tenant));
        assertEquals(finishedAt, queryString("SELECT finished_at::text FROM tenant_purge WHERE tenant_id = ?", tenant));
        assertEquals(0, rowsOf(tenant));
        assertEquals(0, purger.runOnce());
    }

    @Test
    void theEventStreamOfARunningJobEndsWhenThePurgeDeletesIt() throws Exception {
        String tenant = newTenant();
        setUpDense(tenant, "streamed");
        String job = submit(tenant, TWO, "streamed");
        awaitClaim(tenant, job, "w-purge-stream");
        // a lease that outlives the test: the worker never stops the job, the purge's grace runs out
        execute("UPDATE job SET lease_expires_at = now() + interval '1 hour' WHERE id = ?", job);
        EventStreamClient sse = EventStreamClient.open(
                SSE_CLIENT, base.resolve("/v1/jobs/" + job + "/events"), Tokens.tenant(tenant), null);
        assertEquals("queued", statusOf(sse.next(WAIT)));
        assertEquals("running", statusOf(sse.next(WAIT)));

        publish(Topics.TENANT_EVENTS, tenant, Json.write(deleted(tenant)));
        await(
                "the deletion to arrive",
                WAIT,
                () -> queryLong("SELECT count(*) FROM tenant_purge WHERE tenant_id = ?", tenant) == 1);
        assertFalse(purger.purge(tenant));
        assertEquals("cancelling", statusOf(sse.next(WAIT)));
        assertFalse(sse.isEnded(), "the job is still cancelling");

        execute("UPDATE tenant_purge SET requested_at = requested_at - interval '2 hours' WHERE tenant_id = ?", tenant);
        assertTrue(purger.purge(tenant));
        assertEquals(0, queryLong("SELECT count(*) FROM job WHERE id = ?", job));
        EventStreamClient.Event last = sse.next(WAIT);
        assertEquals("status", last.name());
        assertEquals("4", last.id());
        assertEquals("cancelled", statusOf(last));
        assertTrue(sse.awaitEnd(WAIT), "the stream ends after the job is gone: " + sse.lines());
    }

    private static String statusOf(EventStreamClient.Event event) throws Exception {
        return Json.mapper().readTree(event.data()).get("status").asText();
    }

    @Test
    void aPurgeThatCrashedMidwayResumesWhereItWas() throws Exception {
        String tenant = newTenant();
        for (int i = 1; i <= 3; i++) {
            createModel(tenant, "m" + i);
            upload(tenant, "m" + i, "application/zip", denseZip()).statusCode(201);
        }
        dataset(tenant);
        dataset(tenant);
        String job = submit(tenant, TWO, "m1");
        as(Tokens.tenant(tenant)).post("/v1/jobs/" + job + "/cancel").then().statusCode(202);
        assertEquals(3, versionFiles(tenant));

        suspensions.apply(deleted(tenant));
        // Chunks of one row: the job, then versions; the process dies right after the third chunk committed, before
        // that chunk's file went.
        purger.afterChunk(n -> {
            if (n == 3) {
                throw new IllegalStateException("simulated crash");
            }
        });
        assertEquals(0, purger.runOnce());
        purgeView(tenant)
                .body("status", equalTo("pending"))
                .body("remaining.jobs", equalTo(0))
                .body("remaining.versions", equalTo(1))
                .body("remaining.models", equalTo(3))
                .body("remaining.datasets", equalTo(2));
        assertEquals(2, versionFiles(tenant), "the file of the version deleted last is still there");

        purger.afterChunk(null);
        assertEquals(1, purger.runOnce());
        purgeView(tenant)
                .body("status", equalTo("finished"))
                .body("remaining.models", equalTo(0))
                .body("remaining.versions", equalTo(0))
                .body("remaining.datasets", equalTo(0))
                .body("remaining.jobs", equalTo(0));
        assertEquals(0, rowsOf(tenant));
        assertFalse(Files.exists(dirOf(tenant)));
        // Running again, or the purge itself again, finds nothing to do and fails at nothing.
        assertEquals(0, purger.runOnce());
        assertFalse(purger.purge(tenant));
        purgeView(tenant).statusCode(200).body("status", equalTo("finished"));
    }

    /** Version archives of the tenant on disk ({@code <tenant>/<modelId>/<version>/model.zip}). */
    private static long versionFiles(String tenant) throws Exception {
        Path dir = dirOf(tenant);
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.getFileName().toString().equals("model.zip"))
                    .count();
        }
    }

    @Test
    void thePurgeViewIsForAdministratorsAndNamesRealPurges() {
        String tenant = newTenant();
        // a tenant that exists but was not deleted, an unknown one, and ids that are no tenant's
        createModel(tenant, "alive");
        for (String id : List.of(tenant, newTenant(), "not-a-tenant", "platform", "ten_short")) {
            purgeView(id)
                    .statusCode(404)
                    .contentType("application/problem+json")
                    .body("type", endsWith("/problems/not-found"));
        }
        suspensions.apply(deleted(tenant));
        purgeView(tenant).statusCode(200).body("status", equalTo("pending"));
        as(Tokens.tenant(tenant))
                .get("/admin/v1/tenants/" + tenant + "/purge")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");
        as(Tokens.worker(tenant))
                .get("/admin/v1/tenants/" + tenant + "/purge")
                .then()
                .statusCode(403);
        io.restassured.RestAssured.given()
                .get("/admin/v1/tenants/" + tenant + "/purge")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
        assertTrue(purger.purge(tenant));
        purgeView(tenant).statusCode(200).body("status", equalTo("finished"));
    }
}
