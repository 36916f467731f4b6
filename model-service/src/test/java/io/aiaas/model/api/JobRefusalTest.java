package io.aiaas.model.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.repository.JobRepository;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.StoredJobs;
import io.aiaas.model.support.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * What a tenant cannot do with jobs: bad bodies of every kind are 4xx problems that store nothing, another tenant's
 * job is a 404 on every job route, and list pages carry summaries without results.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class JobRefusalTest extends ApiTestSupport {
    private static final String X = "{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}";

    @Inject
    DataSource dataSource;

    @Inject
    JobRepository jobs;

    /** A bad body, what it is, and the status it must get. */
    private record Bad(String what, String contentType, String body, int status) {}

    private static List<Bad> badBodies() {
        String inference = "{\"type\":\"inference\",\"model\":\"refuser\",";
        List<Bad> bad = new ArrayList<>(List.of(
                new Bad("not JSON", "application/json", "{\"type\":", 400),
                new Bad("empty", "application/json", "", 400),
                new Bad("an array", "application/json", "[]", 400),
                new Bad("a string", "application/json", "\"job\"", 400),
                new Bad(
                        "type a number",
                        "application/json",
                        "{\"type\":5,\"model\":\"refuser\",\"inputs\":[" + X + "]}",
                        400),
                new Bad("no type", "application/json", "{\"model\":\"refuser\",\"inputs\":[" + X + "]}", 400),
                new Bad("no model", "application/json", "{\"type\":\"inference\",\"inputs\":[" + X + "]}", 400),
                new Bad(
                        "model an object",
                        "application/json",
                        "{\"type\":\"inference\",\"model\":{},\"inputs\":[" + X + "]}",
                        400),
                new Bad("unknown type", "application/json", "{\"type\":\"dance\",\"model\":\"refuser\"}", 422),
                new Bad("no inputs", "application/json", inference + "\"version\":1}", 400),
                new Bad("empty inputs", "application/json", inference + "\"inputs\":[]}", 400),
                new Bad("inputs an object", "application/json", inference + "\"inputs\":{}}", 400),
                new Bad(
                        "input without data",
                        "application/json",
                        inference + "\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\"}]}",
                        400),
                new Bad(
                        "version a string",
                        "application/json",
                        inference + "\"version\":\"1\",\"inputs\":[" + X + "]}",
                        400),
                new Bad(
                        "version a fraction",
                        "application/json",
                        inference + "\"version\":1.5,\"inputs\":[" + X + "]}",
                        400),
                new Bad(
                        "parameters a string",
                        "application/json",
                        inference + "\"parameters\":\"x\",\"inputs\":[" + X + "]}",
                        400),
                new Bad(
                        "version and alias",
                        "application/json",
                        inference + "\"version\":1,\"alias\":\"a\",\"inputs\":[" + X + "]}",
                        422),
                new Bad(
                        "a training spec on inference",
                        "application/json",
                        inference + "\"spec\":{\"epochs\":1},\"inputs\":[" + X + "]}",
                        422),
                new Bad(
                        "unknown model",
                        "application/json",
                        "{\"type\":\"inference\",\"model\":\"nope\",\"inputs\":[" + X + "]}",
                        404),
                new Bad(
                        "unknown version",
                        "application/json",
                        inference + "\"version\":9,\"inputs\":[" + X + "]}",
                        404),
                new Bad(
                        "unknown alias",
                        "application/json",
                        inference + "\"alias\":\"staging\",\"inputs\":[" + X + "]}",
                        404),
                new Bad(
                        "unknown signature",
                        "application/json",
                        inference + "\"signature\":\"nope\",\"inputs\":[" + X + "]}",
                        422),
                new Bad(
                        "wrong datatype",
                        "application/json",
                        inference
                                + "\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"INT8\",\"data\":[1,2,3]}]}",
                        422),
                new Bad(
                        "wrong shape",
                        "application/json",
                        inference
                                + "\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}",
                        422),
                new Bad(
                        "short data",
                        "application/json",
                        inference
                                + "\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2]}]}",
                        422),
                new Bad(
                        "out of FP32 range",
                        "application/json",
                        inference
                                + "\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,1e39]}]}",
                        422),
                new Bad(
                        "ragged data",
                        "application/json",
                        inference
                                + "\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[[1,2],[3]]}]}",
                        422),
                new Bad("a text body", "text/plain", "{\"type\":\"inference\"}", 415)));
        // over the plan's maxRequestBytes (1 MiB for the tests' tenants)
        bad.add(new Bad(
                "too large",
                "application/json",
                inference + "\"inputs\":[" + X + "],\"padding\":\"" + "a".repeat(1024 * 1024) + "\"}",
                413));
        return bad;
    }

    @Test
    void badBodiesAreProblemsAndStoreNothing() throws Exception {
        String tenant = newTenant();
        setUpModel(tenant);
        StoredJobs before = StoredJobs.of(dataSource, tenant);
        List<Bad> bad = badBodies();
        assertTrue(bad.size() >= 20);
        List<String> wrong = new ArrayList<>();
        for (Bad b : bad) {
            Response r = as(Tokens.tenant(tenant))
                    .contentType(b.contentType())
                    .body(b.body())
                    .post("/v1/jobs");
            String problemType = r.getContentType().startsWith("application/problem+json") ? r.path("type") : null;
            if (r.statusCode() != b.status()
                    || problemType == null
                    || !r.asString().contains("\"requestId\"")) {
                wrong.add(b.what() + ": " + r.statusCode() + " " + r.getContentType() + " " + abbreviate(r.asString()));
            }
            String text = r.asString();
            if (text.contains("Exception") || text.contains("at io.") || text.contains("SELECT")) {
                wrong.add(b.what() + " leaks internals: " + abbreviate(text));
            }
        }
        assertEquals(List.of(), wrong, "every bad body is its own 4xx problem");
        assertEquals(before, StoredJobs.of(dataSource, tenant), "jobs, job events and outbox records stored");

        // the counts do see a job that is stored
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body("{\"type\":\"inference\",\"model\":\"refuser\",\"inputs\":[" + X + "]}")
                .post("/v1/jobs")
                .then()
                .statusCode(202);
        StoredJobs accepted = StoredJobs.of(dataSource, tenant);
        assertEquals(before.jobs() + 1, accepted.jobs());
        assertEquals(before.events() + 1, accepted.events());
    }

    @Test
    void anotherTenantsJobIsNotFoundOnEveryJobRoute() {
        String owner = newTenant();
        setUpModel(owner);
        String jobId = as(Tokens.tenant(owner))
                .contentType("application/json")
                .body("{\"type\":\"inference\",\"model\":\"refuser\",\"inputs\":[" + X + "]}")
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        String other = newTenant();
        as(Tokens.tenant(other))
                .get("/v1/jobs/" + jobId)
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/not-found"));
        as(Tokens.tenant(other))
                .header("Accept", "text/event-stream")
                .get("/v1/jobs/" + jobId + "/events")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/not-found"));
        as(Tokens.tenant(other))
                .post("/v1/jobs/" + jobId + "/cancel")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/not-found"));
        as(Tokens.tenant(other)).get("/v1/jobs").then().statusCode(200).body("items.id", not(hasItem(jobId)));
        // the same answers as for a job that does not exist at all: nothing tells the two apart
        String missing = as(Tokens.tenant(other))
                .get("/v1/jobs/job_0000000000000000000000")
                .then()
                .statusCode(404)
                .extract()
                .path("type");
        assertEquals("/problems/not-found", missing);
        // the owner still sees it, and the stranger's cancel changed nothing
        as(Tokens.tenant(owner))
                .get("/v1/jobs/" + jobId)
                .then()
                .statusCode(200)
                .body("status", not(equalTo("cancelled")));
    }

    @Test
    void listPagesCarrySummariesWithoutResults() {
        String tenant = newTenant();
        setUpModel(tenant);
        String jobId = as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body("{\"type\":\"inference\",\"model\":\"refuser\",\"inputs\":[" + X + "]}")
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        QuarkusTransaction.requiringNew().run(() -> {
            var job = jobs.findById(jobId);
            job.status = "succeeded";
            job.result = "{\"model_name\":\"refuser\",\"outputs\":[{\"name\":\"y\",\"shape\":[1,2],"
                    + "\"datatype\":\"FP32\",\"data\":[4.5,4.5]}]}";
        });
        Map<String, Object> item = as(Tokens.tenant(tenant))
                .get("/v1/jobs")
                .then()
                .statusCode(200)
                .extract()
                .path("items[0]");
        assertEquals(jobId, item.get("id"));
        assertEquals("succeeded", item.get("status"));
        assertEquals("refuser", item.get("model"));
        assertFalse(item.containsKey("result"), "list items leave the result out: " + item.keySet());
        assertTrue(
                Set.of(
                                "id",
                                "type",
                                "status",
                                "model",
                                "version",
                                "createdAt",
                                "startedAt",
                                "finishedAt",
                                "progress",
                                "error",
                                "usage")
                        .containsAll(item.keySet()),
                item.keySet().toString());
        // the job itself has it
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + jobId)
                .then()
                .statusCode(200)
                .body("result.outputs[0].data[0]", equalTo(4.5f));
    }

    private static void setUpModel(String tenant) {
        createModel(tenant, "refuser");
        upload(tenant, "refuser", "application/zip", Archives.zip(Archives.entries(DenseModels.dense(), "")))
                .statusCode(201);
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
