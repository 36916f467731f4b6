package io.aiaas.model.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.StandInTenantService;
import io.aiaas.model.support.StoredJobs;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Jobs reserve their estimated compute units at tenant-service (here a stand-in that refuses {@code ten_spent…}
 * tenants and fails for {@code ten_down…} ones) before anything is stored.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
@QuarkusTestResource(value = StandInTenantService.class, restrictToAnnotatedClass = true)
class ComputeQuotaJobTest extends ApiTestSupport {
    private static final String X = "{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}";
    private static final String INLINE = "{\"type\":\"inference\",\"model\":\"metered\",\"inputs\":[" + X + "]}";

    @Inject
    DataSource dataSource;

    private static String tenant(String prefix) {
        return prefix + Ids.newId(Ids.TENANT).substring(4);
    }

    private static void setUpModel(String tenant) {
        createModel(tenant, "metered");
        upload(tenant, "metered", "application/zip", Archives.zip(Archives.entries(DenseModels.dense(), "")))
                .statusCode(201);
    }

    /** Every call the stand-in received, oldest first. */
    private static List<JsonNode> calls() throws Exception {
        String base = ConfigProvider.getConfig().getValue("aiaas.model.tenant-service-url", String.class);
        JsonNode all = Json.mapper()
                .readTree(given().get(base + "/calls")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
        List<JsonNode> out = new ArrayList<>();
        all.forEach(out::add);
        return out;
    }

    private static List<JsonNode> callsFor(String tenant) throws Exception {
        return calls().stream()
                .filter(c -> tenant.equals(c.path("tenantId").asText()))
                .toList();
    }

    @Test
    void aJobOverTheQuotaIsA429AndNothingIsStored() throws Exception {
        String tenant = tenant("ten_spent");
        setUpModel(tenant);
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(INLINE)
                .post("/v1/jobs")
                .then()
                .statusCode(429)
                .contentType(startsWith("application/problem+json"))
                .header("Retry-After", "86400")
                .body("type", equalTo(ProblemType.QUOTA_EXCEEDED_TYPE))
                .body("status", equalTo(429))
                .body("detail", org.hamcrest.Matchers.containsString("monthly compute-unit quota"))
                .body("requestId", org.hamcrest.Matchers.notNullValue());
        assertEquals(StoredJobs.NONE, StoredJobs.of(dataSource, tenant));
        as(Tokens.tenant(tenant)).get("/v1/jobs").then().statusCode(200).body("items.size()", equalTo(0));
        List<JsonNode> asked = callsFor(tenant);
        assertTrue(asked.size() >= 1, "the reservation was asked for");
        assertTrue(asked.stream().allMatch(c -> c.path("call").asText().equals("reserve")));
    }

    @Test
    void whenTenantServiceFailsTheJobIsA503AndNothingIsStored() throws Exception {
        String tenant = tenant("ten_down");
        setUpModel(tenant);
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(INLINE)
                .post("/v1/jobs")
                .then()
                .statusCode(503)
                .contentType(startsWith("application/problem+json"))
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("type", equalTo("/problems/unavailable"));
        assertEquals(StoredJobs.NONE, StoredJobs.of(dataSource, tenant), "nothing stored");
    }

    @Test
    void aReplayUnderTheSameIdempotencyKeyReservesNothing() throws Exception {
        String tenant = newTenant();
        setUpModel(tenant);
        String key = "quota-" + Ids.randomBase62(12);
        Supplier<ValidatableResponse> submit = () -> as(Tokens.tenant(tenant))
                .header("Idempotency-Key", key)
                .contentType("application/json")
                .body(INLINE)
                .post("/v1/jobs")
                .then()
                .statusCode(202);
        String first = submit.get().extract().path("id");
        submit.get().body("id", equalTo(first));
        List<JsonNode> asked = callsFor(tenant);
        assertEquals(1, asked.size(), asked.toString());
        assertEquals(first, asked.get(0).path("reservationId").asText());
        assertEquals(1, StoredJobs.of(dataSource, tenant).jobs());
    }

    @Test
    void anAcceptedJobReservedItsEstimateUnderItsOwnIdAndACancelledOneGivesItBack() throws Exception {
        String tenant = newTenant();
        setUpModel(tenant);
        String inline = as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body("{\"type\":\"inference\",\"model\":\"metered\",\"maxRuntimeSeconds\":30,\"inputs\":[" + X + "]}")
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        // a batch job over a dataset of 200 rows: 5 + ceil(200 × 0.01) units
        StringBuilder csv = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 200; i++) {
            csv.append(i % 3).append(",1,2,").append(i % 2).append('\n');
        }
        String dataset = as(Tokens.tenant(tenant))
                .contentType("text/csv")
                .body(csv.toString())
                .post("/v1/datasets?name=rows&label=label")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String batch = as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body("{\"type\":\"inference\",\"model\":\"metered\",\"dataset\":\"" + dataset + "\"}")
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        // training, 3 epochs: 5 + ceil(200 × 3 × 0.01) units
        String training = as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body("{\"type\":\"training\",\"dataset\":\"" + dataset + "\",\"model\":\"trained\",\"spec\":"
                        + "{\"layers\":[{\"type\":\"dense\",\"units\":2,\"activation\":\"softmax\"}],"
                        + "\"loss\":\"sparse_categorical_crossentropy\",\"epochs\":3}}")
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        List<JsonNode> reserved = callsFor(tenant);
        assertEquals(3, reserved.size(), reserved.toString());
        assertEquals(inline, reserved.get(0).path("reservationId").asText());
        assertEquals(5, reserved.get(0).path("units").asLong());
        assertEquals(30 + 600, reserved.get(0).path("ttlSeconds").asLong(), "max runtime + queue allowance");
        assertEquals(batch, reserved.get(1).path("reservationId").asText());
        assertEquals(7, reserved.get(1).path("units").asLong());
        assertEquals(training, reserved.get(2).path("reservationId").asText());
        assertEquals(11, reserved.get(2).path("units").asLong());

        // cancelled while queued: no usage event will come, so the units go back at once
        as(Tokens.tenant(tenant)).post("/v1/jobs/" + inline + "/cancel").then().statusCode(202);
        await("the cancelled job's reservation is released", Duration.ofSeconds(20), () -> {
            try {
                return callsFor(tenant).stream()
                        .anyMatch(c -> c.path("call").asText().equals("release")
                                && c.path("reservationId").asText().equals(inline));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
