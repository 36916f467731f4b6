package io.aiaas.model.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.ModelEvent;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Every model, version and alias change is announced once on {@code aiaas.model-events.v1}, keyed by the model id, in
 * the order of the changes; a refused change announces nothing. Each test ends with the model's deletion, so once its
 * {@code model.deleted} has arrived every earlier record of the key has too (the outbox keeps order per key).
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class ModelEventsTest extends JobEngineTestSupport {
    private static final byte[] DENSE_ZIP = Archives.zip(Archives.entries(DenseModels.dense(), ""));

    /** One record as a reader of the topic sees it. */
    private record Announced(ModelEvent event, JsonNode json, String requestId, boolean traced) {}

    /** The model's records on the topic, read by a plain consumer from the start, up to its {@code model.deleted}. */
    private static List<Announced> announcedUntilDeleted(String modelId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, InfraTestResource.kafkaBootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<Announced> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(Topics.MODEL_EVENTS));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline
                    && found.stream()
                            .noneMatch(a ->
                                    ModelEvent.MODEL_DELETED.equals(a.event().type()))) {
                for (ConsumerRecord<String, String> r : consumer.poll(java.time.Duration.ofMillis(200))) {
                    if (modelId.equals(r.key())) {
                        found.add(new Announced(
                                Json.read(r.value(), ModelEvent.class),
                                Json.read(r.value(), JsonNode.class),
                                header(r, Topics.HEADER_REQUEST_ID),
                                header(r, Topics.HEADER_TRACEPARENT) != null));
                    }
                }
            }
        }
        return found;
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** type, version and alias of each event, compactly, e.g. {@code alias.set production 2}. */
    private static List<String> changes(List<Announced> announced) {
        return announced.stream()
                .map(a -> a.event().type()
                        + (a.event().alias() == null ? "" : " " + a.event().alias())
                        + (a.event().version() == null ? "" : " " + a.event().version()))
                .toList();
    }

    private static void assertAbout(List<Announced> announced, String tenantId, String modelId, String name) {
        assertEquals(
                announced.size(),
                new HashSet<>(announced.stream().map(a -> a.event().eventId()).toList()).size(),
                "event ids are unique");
        for (Announced a : announced) {
            ModelEvent e = a.event();
            assertTrue(e.eventId().startsWith("evt_"), e.eventId());
            assertEquals(tenantId, e.tenantId());
            assertEquals(modelId, e.modelId());
            assertEquals(name, e.model());
            assertNotNull(e.at());
            // written without null members
            a.json().fields().forEachRemaining(f -> assertFalse(f.getValue().isNull(), f.getKey() + " is null"));
        }
    }

    @Test
    void everyChangeOfATenantsModelIsAnnouncedOnceAndRefusedChangesNever() {
        String tenant = newTenant();
        String modelId = createModel(tenant, "announced");
        upload(tenant, "announced", "application/zip", DENSE_ZIP).statusCode(201);
        upload(tenant, "announced", "application/zip", DENSE_ZIP).statusCode(201);
        // refused: not a SavedModel (422), nothing stored, nothing announced
        upload(tenant, "announced", "application/zip", Archives.zip(List.of(new Archives.Entry("x.txt", new byte[1]))))
                .statusCode(422);
        setAlias(tenant, "announced", "production", 1).statusCode(200);
        // pointing it where it points already changes nothing
        setAlias(tenant, "announced", "production", 1).statusCode(200);
        as(Tokens.tenant(tenant))
                .header("X-Request-Id", "req_movealias1")
                .contentType("application/json")
                .body(Map.of("version", 2))
                .put("/v1/models/announced/aliases/production")
                .then()
                .statusCode(200);
        // refused: a version an alias points to (409), an alias to a missing version (422)
        as(Tokens.tenant(tenant))
                .delete("/v1/models/announced/versions/2")
                .then()
                .statusCode(409);
        setAlias(tenant, "announced", "staging", 9).statusCode(422);
        as(Tokens.tenant(tenant))
                .delete("/v1/models/announced/aliases/production")
                .then()
                .statusCode(204);
        as(Tokens.tenant(tenant))
                .delete("/v1/models/announced/versions/1")
                .then()
                .statusCode(204);
        as(Tokens.tenant(tenant)).delete("/v1/models/announced").then().statusCode(204);

        List<Announced> announced = announcedUntilDeleted(modelId);

        assertEquals(
                List.of(
                        "model.created",
                        "version.created 1",
                        "version.created 2",
                        "alias.set production 1",
                        "alias.set production 2",
                        "alias.deleted production",
                        "version.deleted 1",
                        "model.deleted"),
                changes(announced));
        assertAbout(announced, tenant, modelId, "announced");
        Announced moved = announced.get(4);
        assertEquals("req_movealias1", moved.requestId(), "the record names the request that made the change");
        assertTrue(moved.traced(), "the record carries the request's trace context");
        announced.forEach(a -> assertNotNull(a.requestId(), a.event().type() + " names its request"));
    }

    @Test
    void catalogueModelsAreAnnouncedWithoutATenant() {
        String name = "catalogue-" + Long.toString(System.nanoTime(), 36);
        String modelId = as(Tokens.admin())
                .contentType("application/json")
                .body(Map.of("name", name))
                .post("/admin/v1/models")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(Tokens.admin())
                .contentType("application/zip")
                .body(DENSE_ZIP)
                .post("/admin/v1/models/" + name + "/versions")
                .then()
                .statusCode(201);
        as(Tokens.admin())
                .contentType("application/json")
                .body(Map.of("version", 1))
                .put("/admin/v1/models/" + name + "/aliases/production")
                .then()
                .statusCode(200);
        as(Tokens.admin()).delete("/admin/v1/models/" + name).then().statusCode(204);

        List<Announced> announced = announcedUntilDeleted(modelId);

        assertEquals(
                List.of("model.created", "version.created 1", "alias.set production 1", "model.deleted"),
                changes(announced));
        assertAbout(announced, null, modelId, name);
        announced.forEach(a -> assertFalse(a.json().has("tenantId"), "a catalogue model's event has no tenantId"));
    }

    @Test
    void aTrainingJobAnnouncesTheModelItCreatesAndItsVersionOnce() {
        String tenant = newTenant();
        String job = trainingJob(tenant, "trained");
        int attempt = awaitClaim(tenant, job, "w-events").attempt();
        postTrainedVersion(tenant, job, "w-events", attempt).statusCode(200);
        // a repeat registers nothing new
        postTrainedVersion(tenant, job, "w-events", attempt).statusCode(200);
        String modelId = as(Tokens.tenant(tenant))
                .get("/v1/models/trained")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        as(Tokens.tenant(tenant)).delete("/v1/models/trained").then().statusCode(204);

        List<Announced> announced = announcedUntilDeleted(modelId);

        assertEquals(List.of("model.created", "version.created 1", "model.deleted"), changes(announced));
        assertAbout(announced, tenant, modelId, "trained");
        assertNull(announced.get(0).event().version());
    }

    private static io.restassured.response.ValidatableResponse setAlias(
            String tenant, String model, String alias, int version) {
        return as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("version", version))
                .put("/v1/models/" + model + "/aliases/" + alias)
                .then();
    }
}
