package io.aiaas.tenant.messaging;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.Topics;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

@QuarkusTest
class UsageConsumptionTest {

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static JsonPath usage(String token, String query) {
        return as(token)
                .get("/v1/usage" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void aRedeliveredEventIsCountedOnceAndMalformedOnesAreSkipped() throws Exception {
        String tenant = createTenant(uniqueName("billing"), "standard");
        String token = Tokens.tenant(tenant, List.of(Scopes.USAGE_READ));
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);
        String jobId = "job_" + tenant.substring(4);
        UsageEvent job = UsageEvent.forJob(
                jobId,
                JobType.TRAINING,
                new UsageData(tenant, jobId, null, "mnist", 3, "cpu", 6000, 2500, 3),
                hour.plusSeconds(600));
        UsageEvent prediction = UsageEvent.forPrediction(
                "req-" + tenant,
                new UsageData(tenant, null, "req-" + tenant, "mnist", 3, "cpu", 1, 40, 1),
                hour.plusSeconds(1200));

        try (KafkaProducer<String, byte[]> producer = producer()) {
            // All keyed by tenant: one partition, so the last event is read after all the others.
            for (byte[] value : List.of(
                    Json.write(job).getBytes(StandardCharsets.UTF_8),
                    Json.write(job).getBytes(StandardCharsets.UTF_8),
                    "not json at all".getBytes(StandardCharsets.UTF_8),
                    ("{\"specversion\":\"1.0\",\"id\":\"usage-bad\",\"type\":\"io.aiaas.usage.predict\","
                                    + "\"data\":{\"tenantId\":\"" + tenant + "\",\"units\":\"many\"}}")
                            .getBytes(StandardCharsets.UTF_8),
                    new byte[0],
                    Json.write(prediction).getBytes(StandardCharsets.UTF_8))) {
                producer.send(new ProducerRecord<>(Topics.USAGE, tenant, value)).get();
            }
        }

        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> usage(token, "").getLong("totals.requests") >= 2);

        JsonPath daily = usage(token, "");
        assertEquals(2, daily.getLong("totals.requests"));
        assertEquals(6001, daily.getLong("totals.examples"));
        assertEquals(2540, daily.getLong("totals.computeMillis"));
        assertEquals(4, daily.getLong("totals.units"));
        assertEquals("day", daily.getString("granularity"));

        String from = hour.minus(1, ChronoUnit.HOURS).toString();
        String to = hour.plus(1, ChronoUnit.HOURS).toString();
        as(token)
                .queryParam("from", from)
                .queryParam("to", to)
                .queryParam("granularity", "hour")
                .get("/v1/usage")
                .then()
                .statusCode(200)
                .body("items", hasSize(2))
                .body("items[0].start", equalTo(Json.format(hour)))
                .body("items[0].kind", equalTo("predict"))
                .body("items[0].requests", equalTo(1))
                .body("items[1].kind", equalTo("training-job"))
                .body("items[1].model", equalTo("mnist"))
                .body("items[1].requests", equalTo(1))
                .body("items[1].examples", equalTo(6000))
                .body("items[1].computeMillis", equalTo(2500))
                .body("items[1].units", equalTo(3));

        // another tenant sees none of it
        String other = createTenant(uniqueName("other"), "free");
        assertEquals(
                0, usage(Tokens.tenant(other, List.of(Scopes.USAGE_READ)), "").getLong("totals.requests"));

        // the consumer is part of readiness
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
        given().get("/q/health/ready").then().body("checks.find { it.name == 'usage-consumer' }.status", equalTo("UP"));
    }

    @Test
    void usageQueriesAreChecked() {
        String tenant = createTenant(uniqueName("usageq"), "free");
        String token = Tokens.tenant(tenant, List.of(Scopes.USAGE_READ));
        usage(token, "?granularity=hour").getList("items");
        for (String bad : List.of(
                "?granularity=week",
                "?from=yesterday",
                "?to=2024-13-01T00:00:00Z",
                "?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z",
                "?from=2000-01-01T00:00:00Z&to=2024-01-01T00:00:00Z")) {
            problem(as(token).get("/v1/usage" + bad).then(), 400, "invalid-request");
        }
        problem(
                as(Tokens.tenant(tenant, List.of(Scopes.PREDICT)))
                        .get("/v1/usage")
                        .then(),
                403,
                "forbidden");
        problem(as(Tokens.admin()).get("/v1/usage").then(), 403, "forbidden");
        JsonPath empty = as(token)
                .queryParam("from", "2024-01-01T00:00:00Z")
                .queryParam("to", "2024-01-02T00:00:00+02:00")
                .get("/v1/usage")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(0, empty.getList("items").size());
        assertEquals("2024-01-01T00:00:00.000Z", empty.getString("from"));
        assertEquals("2024-01-01T22:00:00.000Z", empty.getString("to"));
    }
}
