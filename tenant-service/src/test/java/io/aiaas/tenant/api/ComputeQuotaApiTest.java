package io.aiaas.tenant.api;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.computeUnits;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.Topics;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** The compute-unit reservations model-service makes before it stores a job, and the quota they keep. */
@QuarkusTest
class ComputeQuotaApiTest {
    private static final String RESERVATIONS = "/internal/v1/compute/reservations";

    /** A tenant on a new plan of {@code monthlyComputeUnits}. */
    private static String tenantWithQuota(long monthlyComputeUnits) {
        String plan = uniqueName("cu");
        Map<String, Object> body = new HashMap<>();
        body.put("name", plan);
        body.put("requestsPerSecond", 100);
        body.put("burst", 100);
        body.put("concurrentJobs", 4);
        body.put("monthlyComputeUnits", monthlyComputeUnits);
        body.put("maxRequestBytes", 1 << 20);
        body.put("maxModelBytes", 1 << 20);
        body.put("storageBytes", 1 << 20);
        body.put("maxBatchRows", 1000);
        asAdmin().body(body).post("/admin/v1/plans").then().statusCode(201);
        return createTenant(uniqueName("quota"), plan);
    }

    private static ExtractableResponse<Response> reserve(String tenant, String id, long units, long ttlSeconds) {
        return as(Tokens.modelService())
                .body(Map.of("tenantId", tenant, "reservationId", id, "units", units, "ttlSeconds", ttlSeconds))
                .post(RESERVATIONS)
                .then()
                .extract();
    }

    private static long secondsToNextMonth() {
        Instant next = YearMonth.now(ZoneOffset.UTC)
                .plusMonths(1)
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant();
        return Duration.between(Instant.now(), next).toSeconds();
    }

    static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    static void publish(UsageEvent... events) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (UsageEvent e : events) {
                producer.send(new ProducerRecord<>(
                                Topics.USAGE, e.subject(), Json.write(e).getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }
    }

    @Test
    void concurrentReservationsNeverGrantMoreThanTheQuota() throws Exception {
        String tenant = tenantWithQuota(100);
        int attempts = 64; // 64 × 5 = 320 units asked for, 100 there
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<ExtractableResponse<Response>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < attempts; i++) {
                String id = "job_concurrent_" + i;
                Callable<ExtractableResponse<Response>> call = () -> reserve(tenant, id, 5, 600);
                answers.add(pool.submit(call));
            }
            int granted = 0;
            int refused = 0;
            for (Future<ExtractableResponse<Response>> f : answers) {
                ExtractableResponse<Response> r = f.get();
                if (r.statusCode() == 201) {
                    granted++;
                    assertEquals(5, r.jsonPath().getLong("units"));
                } else {
                    assertEquals(429, r.statusCode(), r.asString());
                    assertEquals(ProblemType.QUOTA_EXCEEDED_TYPE, r.jsonPath().getString("type"));
                    long retryAfter = Long.parseLong(r.header("Retry-After"));
                    long expected = secondsToNextMonth();
                    assertTrue(
                            Math.abs(retryAfter - expected) <= 5,
                            "Retry-After " + retryAfter + " is the start of the next UTC month (" + expected + ")");
                    refused++;
                }
            }
            assertEquals(attempts, granted + refused);
            assertEquals(100, granted * 5, "demand exceeded the quota: exactly the quota is granted");
        } finally {
            pool.shutdownNow();
        }
        JsonPath units = computeUnits(tenant);
        assertEquals(100, units.getLong("monthlyQuota"));
        assertEquals(0, units.getLong("used"));
        assertEquals(100, units.getLong("reserved"));
        assertEquals(0, units.getLong("remaining"));

        // a release gives the units back (admission that failed after reserving)
        as(Tokens.modelService())
                .delete(RESERVATIONS + "/" + tenant + "/job_concurrent_0")
                .then()
                .statusCode(204);
        assertEquals(5, computeUnits(tenant).getLong("remaining"));
        as(Tokens.modelService())
                .delete(RESERVATIONS + "/" + tenant + "/job_concurrent_0")
                .then()
                .statusCode(204);
    }

    @Test
    void aUsageEventSettlesItsJobsReservationOnce() throws Exception {
        String tenant = tenantWithQuota(50);
        String jobId = "job_settle_" + tenant.substring(4);
        assertEquals(201, reserve(tenant, jobId, 30, 600).statusCode());
        assertEquals(429, reserve(tenant, "job_other", 21, 600).statusCode(), "30 + 21 > 50");

        UsageEvent usage = UsageEvent.forJob(
                jobId,
                JobType.INFERENCE,
                new UsageData(tenant, jobId, null, "iris", 1, "cpu", 10, 12_000, 12),
                Instant.now());
        publish(usage, usage); // a redelivery changes nothing

        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> computeUnits(tenant).getLong("used") == 12);
        JsonPath units = computeUnits(tenant);
        assertEquals(0, units.getLong("reserved"), "the estimate no longer counts once the job is billed");
        assertEquals(38, units.getLong("remaining"));

        // the settled reservation, asked for again (a retried call), is answered without counting twice
        assertEquals(201, reserve(tenant, jobId, 30, 600).statusCode());
        assertEquals(38, computeUnits(tenant).getLong("remaining"));
        assertEquals(429, reserve(tenant, "job_big", 39, 600).statusCode());
        assertEquals(201, reserve(tenant, "job_fits", 38, 600).statusCode());
        assertEquals(0, computeUnits(tenant).getLong("remaining"));
    }

    @Test
    void aReservationOfWorkThatNeverEndsExpiresAndFreesItsUnits() throws Exception {
        String tenant = tenantWithQuota(10);
        assertEquals(201, reserve(tenant, "job_lost_worker", 10, 1).statusCode());
        assertEquals(429, reserve(tenant, "job_waiting", 10, 600).statusCode());
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> reserve(tenant, "job_waiting", 10, 600).statusCode() == 201);
        JsonPath units = computeUnits(tenant);
        assertEquals(10, units.getLong("reserved"));
        assertEquals(0, units.getLong("remaining"));
    }

    @Test
    void aRepeatedReservationCountsOnce() {
        String tenant = tenantWithQuota(20);
        var first = reserve(tenant, "job_twice", 8, 600);
        var second = reserve(tenant, "job_twice", 8, 600);
        assertEquals(201, first.statusCode());
        assertEquals(201, second.statusCode());
        assertEquals(first.jsonPath().getString("expiresAt"), second.jsonPath().getString("expiresAt"));
        assertEquals(12, computeUnits(tenant).getLong("remaining"));
        problem(
                as(Tokens.modelService())
                        .body(Map.of("tenantId", tenant, "reservationId", "job_twice", "units", 9, "ttlSeconds", 600))
                        .post(RESERVATIONS)
                        .then(),
                409,
                "conflict");
        assertEquals(12, computeUnits(tenant).getLong("remaining"));
    }

    @Test
    void badReservationsAreRefusedAndStoreNothing() {
        String tenant = tenantWithQuota(20);
        List<String> bad = List.of(
                "{}",
                "{\"tenantId\":\"" + tenant + "\",\"units\":1,\"ttlSeconds\":60}",
                "{\"tenantId\":\"" + tenant + "\",\"reservationId\":\"j\",\"units\":-1,\"ttlSeconds\":60}",
                "{\"tenantId\":\"" + tenant + "\",\"reservationId\":\"j\",\"units\":1,\"ttlSeconds\":0}",
                "{\"tenantId\":\"" + tenant + "\",\"reservationId\":\"j\",\"units\":1,\"ttlSeconds\":999999999}",
                "{\"tenantId\":\"" + tenant + "\",\"reservationId\":\"j\",\"units\":\"many\",\"ttlSeconds\":60}",
                "{\"tenantId\":\"" + tenant + "\",\"reservationId\":\"" + "x".repeat(300)
                        + "\",\"units\":1,\"ttlSeconds\":60}",
                "{\"tenantId\":\"" + tenant + "\",\"reservationId\":\"j\",\"units\":null,\"ttlSeconds\":60}",
                "{\"tenantId\":\" \",\"reservationId\":\"j\",\"units\":1,\"ttlSeconds\":60}",
                "[]",
                "not json");
        for (String body : bad) {
            problem(as(Tokens.modelService()).body(body).post(RESERVATIONS).then(), 400, "invalid-request");
        }
        // a tenant that does not exist
        problem(
                as(Tokens.modelService())
                        .body(Map.of("tenantId", "ten_nobody", "reservationId", "j", "units", 1, "ttlSeconds", 60))
                        .post(RESERVATIONS)
                        .then(),
                404,
                "not-found");
        // only platform components reserve: not a tenant's key, not a worker
        for (String token : List.of(Tokens.tenant(tenant, List.of(Scopes.JOBS_WRITE)), Tokens.workerService())) {
            problem(
                    as(token)
                            .body(Map.of("tenantId", tenant, "reservationId", "j", "units", 1, "ttlSeconds", 60))
                            .post(RESERVATIONS)
                            .then(),
                    403,
                    "forbidden");
        }
        given().contentType("application/json")
                .body("{}")
                .post(RESERVATIONS)
                .then()
                .statusCode(401)
                .contentType(startsWith("application/problem+json"));
        JsonPath units = computeUnits(tenant);
        assertEquals(0, units.getLong("reserved"), "nothing was reserved");
        assertEquals(20, units.getLong("remaining"));
    }

    @Test
    void theQuotaShowsInTheTenantsUsage() {
        String tenant = tenantWithQuota(1234);
        as(Tokens.tenant(tenant, List.of(Scopes.USAGE_READ)))
                .get("/v1/usage")
                .then()
                .statusCode(200)
                .body("totals.units", equalTo(0))
                .body("computeUnits.monthlyQuota", equalTo(1234))
                .body("computeUnits.used", equalTo(0))
                .body("computeUnits.reserved", equalTo(0))
                .body("computeUnits.remaining", equalTo(1234))
                .body(
                        "computeUnits.periodStart",
                        equalTo(Json.format(YearMonth.now(ZoneOffset.UTC)
                                .atDay(1)
                                .atStartOfDay(ZoneOffset.UTC)
                                .toInstant())));
    }

    private static ExtractableResponse<Response> reserveBlock(String tenant, String id, long units, long minUnits) {
        return as(Tokens.gatewayService())
                .body(Map.of(
                        "tenantId",
                        tenant,
                        "reservationId",
                        id,
                        "units",
                        units,
                        "ttlSeconds",
                        600,
                        "minUnits",
                        minUnits))
                .post(RESERVATIONS)
                .then()
                .extract();
    }

    private static UsageEvent prediction(String tenant, String requestId, long units, String reservationId) {
        return UsageEvent.forPrediction(
                requestId,
                new UsageData(tenant, null, requestId, "iris", 1, "cpu", 1, units * 1000, units, reservationId),
                Instant.now());
    }

    @Test
    void aPredictionsUsageEventLowersItsBlockOnceAndOnlyItsOwnTenantsBlock() throws Exception {
        String tenant = tenantWithQuota(100);
        String other = tenantWithQuota(100);
        String block = "pred-gw_test-" + tenant.substring(4);
        String othersBlock = "pred-gw_test-shared";
        assertEquals(40, reserveBlock(tenant, block, 40, 1).jsonPath().getLong("units"));
        assertEquals(10, reserveBlock(other, othersBlock, 10, 1).jsonPath().getLong("units"));

        UsageEvent first = prediction(tenant, "req_first" + tenant.substring(4), 3, block);
        publish(
                first,
                first, // a redelivery lowers nothing twice
                prediction(tenant, "req_gone" + tenant.substring(4), 2, "pred-gw_test-never-made"),
                prediction(tenant, "req_foreign" + tenant.substring(4), 4, othersBlock),
                prediction(tenant, "req_last" + tenant.substring(4), 1, block));

        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> computeUnits(tenant).getLong("used") == 10);
        JsonPath units = computeUnits(tenant);
        assertEquals(36, units.getLong("reserved"), "the block is lowered by its own predictions, once each");
        assertEquals(54, units.getLong("remaining"));
        JsonPath others = computeUnits(other);
        assertEquals(0, others.getLong("used"));
        assertEquals(10, others.getLong("reserved"), "another tenant's block is left alone");

        // a block is never lowered below zero: a prediction billed past it counts in used only
        publish(prediction(tenant, "req_big" + tenant.substring(4), 50, block));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> computeUnits(tenant).getLong("used") == 60);
        assertEquals(0, computeUnits(tenant).getLong("reserved"));
        assertEquals(40, computeUnits(tenant).getLong("remaining"));
    }

    @Test
    void aBlockGetsWhatIsLeftAndGivesBackItsUnspentUnits() {
        String tenant = tenantWithQuota(50);
        assertEquals(201, reserve(tenant, "job_big", 30, 600).statusCode());
        var block = reserveBlock(tenant, "pred-gw_test-1", 100, 1);
        assertEquals(201, block.statusCode(), block.asString());
        assertEquals(20, block.jsonPath().getLong("units"), "what is left of the month, less than asked");
        assertEquals(0, block.jsonPath().getLong("remaining"));

        var refused = reserveBlock(tenant, "pred-gw_test-2", 100, 1);
        assertEquals(429, refused.statusCode(), refused.asString());
        assertEquals(ProblemType.QUOTA_EXCEEDED_TYPE, refused.jsonPath().getString("type"));
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(Math.abs(retryAfter - secondsToNextMonth()) <= 5, "Retry-After: the next UTC month");

        // the unspent part goes back; what the block's predictions in flight still need stays reserved
        as(Tokens.gatewayService())
                .delete(RESERVATIONS + "/" + tenant + "/pred-gw_test-1?units=15")
                .then()
                .statusCode(204);
        JsonPath units = computeUnits(tenant);
        assertEquals(35, units.getLong("reserved"));
        assertEquals(15, units.getLong("remaining"));
        as(Tokens.gatewayService())
                .delete(RESERVATIONS + "/" + tenant + "/pred-gw_test-1?units=100")
                .then()
                .statusCode(204);
        assertEquals(30, computeUnits(tenant).getLong("reserved"), "never below zero");

        // a block asked for again (a retried call) is answered as it stands, not counted twice
        var again = reserveBlock(tenant, "pred-gw_test-1", 100, 1);
        assertEquals(201, again.statusCode(), again.asString());
        assertEquals(0, again.jsonPath().getLong("units"));
        assertEquals(20, computeUnits(tenant).getLong("remaining"));
    }

    @Test
    void badBlockReservationsAndReleasesAreRefusedAndChangeNothing() {
        String tenant = tenantWithQuota(20);
        for (String body : List.of(
                "{\"tenantId\":\"" + tenant
                        + "\",\"reservationId\":\"b\",\"units\":5,\"ttlSeconds\":60,\"minUnits\":0}",
                "{\"tenantId\":\"" + tenant
                        + "\",\"reservationId\":\"b\",\"units\":5,\"ttlSeconds\":60,\"minUnits\":6}",
                "{\"tenantId\":\"" + tenant
                        + "\",\"reservationId\":\"b\",\"units\":5,\"ttlSeconds\":60,\"minUnits\":\"x\"}",
                "{\"tenantId\":\"" + tenant
                        + "\",\"reservationId\":\"b\",\"units\":5,\"ttlSeconds\":60,\"minUnits\":-1}")) {
            problem(as(Tokens.gatewayService()).body(body).post(RESERVATIONS).then(), 400, "invalid-request");
        }
        assertEquals(201, reserveBlock(tenant, "pred-gw_test-b", 5, 1).statusCode());
        for (String units : List.of("-1", "many", "1.5")) {
            problem(
                    as(Tokens.gatewayService())
                            .delete(RESERVATIONS + "/" + tenant + "/pred-gw_test-b?units=" + units)
                            .then(),
                    400,
                    "invalid-request");
        }
        JsonPath units = computeUnits(tenant);
        assertEquals(5, units.getLong("reserved"), "only the good block was reserved, and nothing given back");
        assertEquals(15, units.getLong("remaining"));
    }
}
