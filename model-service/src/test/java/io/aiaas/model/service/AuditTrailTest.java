package io.aiaas.model.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every model, version, alias, dataset and job change writes one audit record to {@code aiaas.audit.v1} (keyed by the
 * tenant, {@code platform} for the catalogue) with the caller as actor, the request's id and a target in the
 * contract's {@code <type>:<name or id>} form; a refused change writes none.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class AuditTrailTest extends JobEngineTestSupport {
    private static final byte[] DENSE_ZIP = Archives.zip(Archives.entries(DenseModels.dense(), ""));

    private static List<AuditRecord> audited(String key, int expected) {
        return records(Topics.AUDIT, key, found -> found.size() >= expected).stream()
                .map(r -> Json.read(r, AuditRecord.class))
                .toList();
    }

    private static List<String> actions(List<AuditRecord> records) {
        return records.stream().map(r -> r.action() + " " + r.target()).toList();
    }

    @Test
    void everyChangeOfATenantWritesOneRecordWithActorRequestAndTarget() {
        String tenant = newTenant();
        String token = Tokens.tenant(tenant);
        String key = "key" + tenant.hashCode();
        as(token)
                .header("X-Request-Id", "req_a1")
                .contentType("application/json")
                .body(Map.of("name", "audited"))
                .post("/v1/models")
                .then()
                .statusCode(201);
        as(token)
                .header("X-Request-Id", "req_a2")
                .contentType("application/json")
                .body(Map.of("description", "now described"))
                .patch("/v1/models/audited")
                .then()
                .statusCode(200);
        as(token)
                .header("X-Request-Id", "req_a3")
                .contentType("application/zip")
                .body(DENSE_ZIP)
                .post("/v1/models/audited/versions")
                .then()
                .statusCode(201);
        // refused changes write nothing: not a SavedModel, an alias to a missing version, a second model of the name
        as(token)
                .contentType("application/zip")
                .body(Archives.zip(List.of(new Archives.Entry("x.txt", new byte[1]))))
                .post("/v1/models/audited/versions")
                .then()
                .statusCode(422);
        as(token)
                .contentType("application/json")
                .body(Map.of("version", 9))
                .put("/v1/models/audited/aliases/production")
                .then()
                .statusCode(422);
        as(token)
                .contentType("application/json")
                .body(Map.of("name", "audited"))
                .post("/v1/models")
                .then()
                .statusCode(409);
        as(token)
                .header("X-Request-Id", "req_a4")
                .contentType("application/json")
                .body(Map.of("version", 1))
                .put("/v1/models/audited/aliases/production")
                .then()
                .statusCode(200);
        as(token)
                .header("X-Request-Id", "req_a5")
                .delete("/v1/models/audited/aliases/production")
                .then()
                .statusCode(204);
        String dataset = as(token)
                .header("X-Request-Id", "req_a6")
                .contentType("text/csv")
                .body("a,b,c,y\n1,2,3,0\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/datasets?name=rows&label=y")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(token)
                .header("X-Request-Id", "req_a7")
                .delete("/v1/datasets/" + dataset)
                .then()
                .statusCode(204);
        // no slot: the job waits queued, and its cancellation ends it at once
        String job = as(tenantToken(tenant, planWith(0)))
                .header("X-Request-Id", "req_a8")
                .contentType("application/json")
                .body(inference("audited"))
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        as(token)
                .header("X-Request-Id", "req_a9")
                .post("/v1/jobs/" + job + "/cancel")
                .then()
                .statusCode(202);
        as(token)
                .header("X-Request-Id", "req_b1")
                .delete("/v1/models/audited/versions/1")
                .then()
                .statusCode(204);
        as(token)
                .header("X-Request-Id", "req_b2")
                .delete("/v1/models/audited")
                .then()
                .statusCode(204);

        List<AuditRecord> records = audited(tenant, 12);
        assertEquals(
                List.of(
                        "model.created model:audited",
                        "model.updated model:audited",
                        "version.created version:audited/1",
                        "alias.set alias:audited/production",
                        "alias.deleted alias:audited/production",
                        "dataset.created dataset:" + dataset,
                        "dataset.deleted dataset:" + dataset,
                        "job.created job:" + job,
                        "job.cancel-requested job:" + job,
                        "job.cancelled job:" + job,
                        "version.deleted version:audited/1",
                        "model.deleted model:audited"),
                actions(records));
        assertEquals(
                List.of(
                        "req_a1", "req_a2", "req_a3", "req_a4", "req_a5", "req_a6", "req_a7", "req_a8", "req_a9",
                        "req_a8", "req_b1", "req_b2"),
                records.stream().map(AuditRecord::requestId).toList(),
                "the request that made each change (a job's end: the request that submitted it)");
        for (AuditRecord r : records) {
            assertEquals(tenant, r.tenantId());
            assertTrue(r.id().startsWith("evt_"), r.id());
            assertNotNull(r.at());
            assertEquals(r.action().equals("job.cancelled") ? AuditRecord.SYSTEM : key, r.actor(), r.action());
        }
        assertEquals(
                records.size(),
                new HashSet<>(records.stream().map(AuditRecord::id).toList()).size());
    }

    @Test
    void catalogueChangesByAnAdministratorConcernNoTenant() {
        String name = "audited-" + Long.toString(System.nanoTime(), 36);
        as(Tokens.admin())
                .header("X-Request-Id", "req_cat1")
                .contentType("application/json")
                .body(Map.of("name", name))
                .post("/admin/v1/models")
                .then()
                .statusCode(201);
        as(Tokens.admin())
                .header("X-Request-Id", "req_cat2")
                .delete("/admin/v1/models/" + name)
                .then()
                .statusCode(204);
        List<AuditRecord> records = records(Topics.AUDIT, AuditRecord.PLATFORM_KEY, found -> found.stream()
                        .anyMatch(r -> r.contains("model.deleted") && r.contains(name)))
                .stream()
                .map(r -> Json.read(r, AuditRecord.class))
                .filter(r -> r.target().equals("model:" + name))
                .toList();
        assertEquals(List.of("model.created model:" + name, "model.deleted model:" + name), actions(records));
        for (AuditRecord r : records) {
            assertEquals("admin", r.actor());
            assertNull(r.tenantId());
        }
        assertEquals("req_cat1", records.get(0).requestId());
        assertEquals("req_cat2", records.get(1).requestId());
    }
}
