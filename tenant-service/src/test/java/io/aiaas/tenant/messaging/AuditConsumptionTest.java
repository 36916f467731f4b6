package io.aiaas.tenant.messaging;

import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Other services' audit records, from {@code aiaas.audit.v1} into the audit trail: once each, listed by tenant. */
@QuarkusTest
class AuditConsumptionTest {

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

    private static JsonPath audit(String tenant, String query) {
        return asAdmin()
                .queryParam("tenant", tenant)
                .get("/admin/v1/audit" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void aRecordFedTwiceIsStoredOnceAndMalformedOnesAreSkipped() throws Exception {
        String tenant = createTenant(uniqueName("audited"), "standard");
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(5);
        AuditRecord created =
                new AuditRecord(Ids.newId(Ids.EVENT), at, "key123", "model.created", "model:m1", tenant, "req_fed1");
        AuditRecord ended = new AuditRecord(
                Ids.newId(Ids.EVENT), at.plusMillis(1), "system", "job.succeeded", "job:job_1", tenant, null);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            // one key, one partition: the last record is read after all the others
            for (byte[] value : List.of(
                    Json.write(created).getBytes(StandardCharsets.UTF_8),
                    Json.write(created).getBytes(StandardCharsets.UTF_8),
                    "not json".getBytes(StandardCharsets.UTF_8),
                    ("{\"id\":\"evt_x\",\"action\":\"model.created\",\"tenantId\":\"" + tenant + "\"}")
                            .getBytes(StandardCharsets.UTF_8),
                    new byte[0],
                    Json.write(created).getBytes(StandardCharsets.UTF_8),
                    Json.write(ended).getBytes(StandardCharsets.UTF_8))) {
                producer.send(new ProducerRecord<>(Topics.AUDIT, tenant, value)).get();
            }
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> audit(tenant, "").getList("items.action").contains("job.succeeded"));
        JsonPath page = audit(tenant, "");
        assertEquals(List.of("job.succeeded", "model.created", "tenant.created"), page.getList("items.action"));
        assertEquals("key123", page.getString("items[1].actor"));
        assertEquals("model:m1", page.getString("items[1].target"));
        assertEquals("req_fed1", page.getString("items[1].requestId"));
        assertEquals(tenant, page.getString("items[1].tenantId"));
        assertEquals(Json.format(at), page.getString("items[1].at"));
        assertEquals("system", page.getString("items[0].actor"));
        assertNull(page.getString("items[0].requestId"));
        assertEquals("tenant:" + tenant, page.getString("items[2].target"));

        // a redelivery later still adds nothing
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(
                            Topics.AUDIT, tenant, Json.write(created).getBytes(StandardCharsets.UTF_8)))
                    .get();
            AuditRecord marker = new AuditRecord(
                    Ids.newId(Ids.EVENT), at.plusMillis(2), "key123", "model.deleted", "model:m1", tenant, "r");
            producer.send(new ProducerRecord<>(
                            Topics.AUDIT, tenant, Json.write(marker).getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> audit(tenant, "").getList("items.action").contains("model.deleted"));
        assertEquals(
                List.of("model.deleted", "job.succeeded", "model.created", "tenant.created"),
                audit(tenant, "").getList("items.action"));
    }

    @Test
    void theTrailIsListedPerTenantInPagesAndBadParametersAre400() {
        String tenant = createTenant(uniqueName("paged"), "free");
        String other = createTenant(uniqueName("other"), "free");
        for (String change : List.of("suspend", "resume")) {
            asAdmin().post("/admin/v1/tenants/" + tenant + "/" + change).then().statusCode(200);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonPath page = audit(tenant, cursor == null ? "?limit=1" : "?limit=1&cursor=" + cursor);
            assertEquals(1, page.getList("items").size());
            seen.add(page.getString("items[0].action"));
            assertEquals(tenant, page.getString("items[0].tenantId"));
            cursor = page.getString("nextCursor");
        } while (cursor != null);
        assertEquals(List.of("tenant.resumed", "tenant.suspended", "tenant.created"), seen);
        asAdmin()
                .queryParam("tenant", other)
                .get("/admin/v1/audit")
                .then()
                .statusCode(200)
                .body("items.action", contains("tenant.created"))
                .body("items[0].target", equalTo("tenant:" + other))
                .body("nextCursor", nullValue());

        problem(
                asAdmin()
                        .queryParam("cursor", "not-a-cursor")
                        .get("/admin/v1/audit")
                        .then(),
                400,
                "invalid-request");
        problem(asAdmin().queryParam("limit", "0").get("/admin/v1/audit").then(), 400, "invalid-request");
        problem(asAdmin().queryParam("limit", "ten").get("/admin/v1/audit").then(), 400, "invalid-request");
        problem(asAdmin().queryParam("tenant", "acme").get("/admin/v1/audit").then(), 400, "invalid-request");
        problem(
                asAdmin()
                        .queryParam("tenant", "ten_short")
                        .get("/admin/v1/audit")
                        .then(),
                400,
                "invalid-request");
        problem(
                io.aiaas.tenant.testing.Api.as(io.aiaas.tenant.testing.Tokens.tenant(
                                tenant, List.of(io.aiaas.common.auth.Scopes.KEYS_MANAGE)))
                        .get("/admin/v1/audit")
                        .then(),
                403,
                "forbidden");
    }
}
