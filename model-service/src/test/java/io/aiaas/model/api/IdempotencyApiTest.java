package io.aiaas.model.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * {@code Idempotency-Key} on every creating POST of model-service (CONTRACT "Idempotency"): models, versions and
 * datasets, for tenants and for the platform catalogue. Jobs: {@link JobApiTest}.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class IdempotencyApiTest extends ApiTestSupport {
    private static final String KEY = "Idempotency-Key";
    private static final int CLIENTS = 8;

    @Inject
    DataSource dataSource;

    // --- models

    @Test
    void aRepeatedModelCreationAnswersTheFirstAnswerAndCreatesOneModel() {
        String tenant = newTenant();
        Map<String, Object> body = Map.of("name", "idem-model", "description", "first");
        var first = createModel(tenant, "k-1", body).statusCode(201).extract();
        var again = createModel(tenant, "k-1", body).statusCode(201).extract();
        assertSameAnswer(first, again);
        assertEquals("/v1/models/idem-model", again.header("Location"));
        assertEquals(List.of("idem-model"), tenantModelNames(tenant));
    }

    @Test
    void theSameKeyWithAnotherBodyIsAConflictAndStoresNothing() {
        String tenant = newTenant();
        createModel(tenant, "k-2", Map.of("name", "kept")).statusCode(201);
        conflict(createModel(tenant, "k-2", Map.of("name", "other")));
        // same name, another description: another body too
        conflict(createModel(tenant, "k-2", Map.of("name", "kept", "description", "changed")));
        as(Tokens.tenant(tenant)).get("/v1/models/other").then().statusCode(404);
        assertEquals(List.of("kept"), tenantModelNames(tenant));
    }

    @Test
    void keysBelongToTheirTenant() {
        String one = newTenant();
        String two = newTenant();
        Map<String, Object> body = Map.of("name", "shared-key");
        String first = createModel(one, "k-3", body).statusCode(201).extract().path("id");
        String second = createModel(two, "k-3", body).statusCode(201).extract().path("id");
        assertNotEquals(first, second);
        assertEquals(List.of("shared-key"), tenantModelNames(two));
    }

    @Test
    void withoutAKeyEveryRequestIsCarriedOut() {
        String tenant = newTenant();
        createModel(tenant, null, Map.of("name", "plain")).statusCode(201);
        createModel(tenant, null, Map.of("name", "plain")).statusCode(409);
        createModel(tenant, null, Map.of("name", "plain-2")).statusCode(201);
        assertEquals(Set.of("plain", "plain-2"), new HashSet<>(tenantModelNames(tenant)));
    }

    @Test
    void aRefusedRequestKeepsNoKeySoACorrectedOneMayUseIt() {
        String tenant = newTenant();
        createModel(tenant, "k-4", Map.of("name", "Bad_Name")).statusCode(422);
        createModel(tenant, "k-4", Map.of("name", "good-name")).statusCode(201);
        createModel(tenant, "k-4", Map.of("name", "good-name")).statusCode(201);
        assertEquals(List.of("good-name"), tenantModelNames(tenant));
    }

    @Test
    void aKeyIsOneToTwoHundredFiftyFivePrintableAsciiCharacters() {
        String tenant = newTenant();
        createModel(tenant, "x".repeat(256), Map.of("name", "too-long"))
                .statusCode(400)
                .contentType("application/problem+json");
        createModel(tenant, "cl\u00e9", Map.of("name", "latin")).statusCode(400);
        createModel(tenant, "a key with spaces ~!", Map.of("name", "spaces")).statusCode(201);
        createModel(tenant, "y".repeat(255), Map.of("name", "longest")).statusCode(201);
        assertEquals(Set.of("spaces", "longest"), new HashSet<>(tenantModelNames(tenant)));
    }

    @Test
    void aKeyIsForOneRequestAcrossPaths() {
        String tenant = newTenant();
        createModel(tenant, "k-5", Map.of("name", "first-use")).statusCode(201);
        conflict(as(Tokens.tenant(tenant))
                .header(KEY, "k-5")
                .contentType("text/csv")
                .body("a,label\n1,2\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/datasets?name=first-use&label=label")
                .then());
        as(Tokens.tenant(tenant)).get("/v1/datasets").then().body("items.size()", equalTo(0));
    }

    @Test
    void concurrentCreationsWithOneKeyMakeOneModel() throws Exception {
        String tenant = newTenant();
        Map<String, Object> body = Map.of("name", "raced");
        List<ExtractableResponse<Response>> answers = concurrently(
                () -> createModel(tenant, "race", body).statusCode(201).extract());
        for (var answer : answers) {
            assertSameAnswer(answers.get(0), answer);
        }
        assertEquals(List.of("raced"), tenantModelNames(tenant));
    }

    @Test
    void anExpiredKeyIsAsGoodAsNew() throws Exception {
        String tenant = newTenant();
        createModel(tenant, "k-6", Map.of("name", "before")).statusCode(201);
        expire(tenant, "k-6");
        createModel(tenant, "k-6", Map.of("name", "after")).statusCode(201);
        createModel(tenant, "k-6", Map.of("name", "after")).statusCode(201);
        assertEquals(Set.of("before", "after"), new HashSet<>(tenantModelNames(tenant)));

        // expired keys are swept by later claims, whoever makes them
        createModel(tenant, "k-7", Map.of("name", "swept")).statusCode(201);
        expire(tenant, "k-7");
        createModel(newTenant(), "k-8", Map.of("name", "sweeper")).statusCode(201);
        assertEquals(0, keyRows(tenant, "k-7"));
    }

    @Test
    void theCatalogueHonoursKeysOfItsOwn() {
        String name = "cat-" + Long.toString(System.nanoTime(), 36);
        Map<String, Object> body = Map.of("name", name);
        var first = adminCreate("admin-k-" + name, body).statusCode(201).extract();
        var again = adminCreate("admin-k-" + name, body).statusCode(201).extract();
        assertSameAnswer(first, again);
        assertEquals("/admin/v1/models/" + name, again.header("Location"));
        conflict(adminCreate("admin-k-" + name, Map.of("name", name + "-x")));

        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        var version = adminUpload(name, "admin-v-" + name, "application/zip", zip)
                .statusCode(201)
                .extract();
        assertSameAnswer(
                version,
                adminUpload(name, "admin-v-" + name, "application/zip", zip)
                        .statusCode(201)
                        .extract());
        as(Tokens.admin())
                .get("/admin/v1/models/" + name + "/versions")
                .then()
                .statusCode(200)
                .body("items.version", equalTo(List.of(1)));
        // a tenant's key of the same name is another key
        String tenant = newTenant();
        createModel(tenant, "admin-k-" + name, Map.of("name", "mine")).statusCode(201);
    }

    // --- versions

    @Test
    void aRepeatedUploadAnswersTheFirstVersionAndStoresOne() {
        String tenant = newTenant();
        String modelId = createModel(tenant, "dense");
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        var first = uploadWithKey(tenant, "dense", "v-1", "application/zip", zip)
                .statusCode(201)
                .extract();
        var again = uploadWithKey(tenant, "dense", "v-1", "application/zip", zip)
                .statusCode(201)
                .extract();
        assertSameAnswer(first, again);
        assertEquals("/v1/models/dense/versions/1", again.header("Location"));
        assertVersions(tenant, "dense", List.of(1));
        assertEquals(
                1,
                countFiles(
                        InternalKeysTestResource.artifactDir().resolve(tenant).resolve(modelId)));
        assertEquals(0, countFiles(InternalKeysTestResource.artifactDir().resolve(".staging")), "staging leftovers");

        // the next upload without a key is version 2: the replay used no number
        upload(tenant, "dense", "application/zip", zip).statusCode(201).body("version", equalTo(2));
    }

    @Test
    void anotherArchiveUnderTheKeyIsAConflictAndStoresNothing() {
        String tenant = newTenant();
        createModel(tenant, "dense");
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        byte[] tgz = Archives.tarGz(Archives.entries(DenseModels.dense(), ""));
        uploadWithKey(tenant, "dense", "v-2", "application/zip", zip).statusCode(201);
        conflict(uploadWithKey(tenant, "dense", "v-2", "application/gzip", tgz));
        assertVersions(tenant, "dense", List.of(1));
        assertEquals(0, countFiles(InternalKeysTestResource.artifactDir().resolve(".staging")), "staging leftovers");
    }

    @Test
    void aRefusedArchiveKeepsNoKey() {
        String tenant = newTenant();
        createModel(tenant, "dense");
        byte[] notAModel = Archives.zip(List.of(new Archives.Entry("readme.txt", "hello".getBytes())));
        uploadWithKey(tenant, "dense", "v-3", "application/zip", notAModel).statusCode(422);
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        uploadWithKey(tenant, "dense", "v-3", "application/zip", zip).statusCode(201);
        assertVersions(tenant, "dense", List.of(1));
    }

    @Test
    void uploadKeysBelongToTheirTenant() {
        String one = newTenant();
        String two = newTenant();
        createModel(one, "dense");
        createModel(two, "dense");
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        uploadWithKey(one, "dense", "v-4", "application/zip", zip).statusCode(201);
        uploadWithKey(two, "dense", "v-4", "application/zip", zip)
                .statusCode(201)
                .body("version", equalTo(1));
        assertVersions(two, "dense", List.of(1));
    }

    @Test
    void concurrentUploadsWithOneKeyStoreOneVersion() throws Exception {
        String tenant = newTenant();
        String modelId = createModel(tenant, "dense");
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        List<ExtractableResponse<Response>> answers =
                concurrently(() -> uploadWithKey(tenant, "dense", "race", "application/zip", zip)
                        .statusCode(201)
                        .extract());
        for (var answer : answers) {
            assertSameAnswer(answers.get(0), answer);
        }
        assertVersions(tenant, "dense", List.of(1));
        assertEquals(
                1,
                countFiles(
                        InternalKeysTestResource.artifactDir().resolve(tenant).resolve(modelId)));
        assertEquals(0, countFiles(InternalKeysTestResource.artifactDir().resolve(".staging")), "staging leftovers");
    }

    // --- datasets

    @Test
    void aRepeatedDatasetUploadAnswersTheFirstDatasetAndStoresOne() throws IOException {
        String tenant = newTenant();
        String text = "a,b,label\n1,2,3\n4,5,6\n";
        var first = dataset(Tokens.tenant(tenant), "d-1", "iris", null, csv(text))
                .statusCode(201)
                .extract();
        String id = first.path("id");
        var again = dataset(Tokens.tenant(tenant), "d-1", "iris", null, csv(text))
                .statusCode(201)
                .extract();
        assertSameAnswer(first, again);
        assertEquals("/v1/datasets/" + id, again.header("Location"));
        // the same content gzip-encoded is the same request
        assertSameAnswer(
                first,
                dataset(Tokens.tenant(tenant), "d-1", "iris", "gzip", gzip(text))
                        .statusCode(201)
                        .extract());
        assertDatasets(tenant, List.of(id));
        assertEquals(0, countFiles(InternalKeysTestResource.artifactDir().resolve(".staging")), "staging leftovers");
    }

    @Test
    void anotherDatasetUnderTheKeyIsAConflictAndStoresNothing() {
        String tenant = newTenant();
        String text = "a,b,label\n1,2,3\n";
        String id = dataset(Tokens.tenant(tenant), "d-2", "iris", null, csv(text))
                .statusCode(201)
                .extract()
                .path("id");
        conflict(dataset(Tokens.tenant(tenant), "d-2", "iris", null, csv(text + "7,8,9\n")));
        conflict(dataset(Tokens.tenant(tenant), "d-2", "other-name", null, csv(text)));
        assertDatasets(tenant, List.of(id));
    }

    @Test
    void datasetKeysBelongToTheirTenantAndRefusalsKeepNone() {
        String one = newTenant();
        String two = newTenant();
        String text = "a,label\n1,2\n";
        dataset(Tokens.tenant(one), "d-3", "mine", null, csv(text)).statusCode(201);
        dataset(Tokens.tenant(two), "d-3", "mine", null, csv("a,label\n1,x\n")).statusCode(422);
        String id = dataset(Tokens.tenant(two), "d-3", "mine", null, csv(text))
                .statusCode(201)
                .extract()
                .path("id");
        assertDatasets(two, List.of(id));
    }

    @Test
    void aReplayIsAnsweredEvenWhenTheFirstUploadUsedUpTheStorage() {
        String tenant = newTenant();
        String text = "a,b,label\n1,2,3\n";
        PlanLimits exact =
                new PlanLimits("exact", 1L, 50, 100, 4, 1_000_000, 1_000_000, 1_000_000, text.length(), 10_000);
        String token = Tokens.tenant(tenant, Scopes.ALL, exact);
        var first =
                dataset(token, "d-4", "full", null, csv(text)).statusCode(201).extract();
        dataset(token, null, "full", null, csv(text)).statusCode(413);
        assertSameAnswer(
                first,
                dataset(token, "d-4", "full", null, csv(text)).statusCode(201).extract());
    }

    @Test
    void concurrentDatasetUploadsWithOneKeyStoreOne() throws Exception {
        String tenant = newTenant();
        byte[] body = csv("a,b,label\n1,2,3\n4,5,6\n");
        List<ExtractableResponse<Response>> answers =
                concurrently(() -> dataset(Tokens.tenant(tenant), "race", "raced", null, body)
                        .statusCode(201)
                        .extract());
        for (var answer : answers) {
            assertSameAnswer(answers.get(0), answer);
        }
        String id = answers.get(0).path("id");
        assertDatasets(tenant, List.of(id));
    }

    // --- steps

    private static io.restassured.response.ValidatableResponse createModel(
            String tenant, String key, Map<String, Object> body) {
        return withKey(as(Tokens.tenant(tenant)), key)
                .contentType("application/json")
                .body(body)
                .post("/v1/models")
                .then();
    }

    private static io.restassured.response.ValidatableResponse adminCreate(String key, Map<String, Object> body) {
        return withKey(as(Tokens.admin()), key)
                .contentType("application/json")
                .body(body)
                .post("/admin/v1/models")
                .then();
    }

    private static io.restassured.response.ValidatableResponse adminUpload(
            String model, String key, String type, byte[] archive) {
        return withKey(as(Tokens.admin()), key)
                .contentType(type)
                .body(archive)
                .post("/admin/v1/models/" + model + "/versions")
                .then();
    }

    private static io.restassured.response.ValidatableResponse uploadWithKey(
            String tenant, String model, String key, String type, byte[] archive) {
        return withKey(as(Tokens.tenant(tenant)), key)
                .contentType(type)
                .body(archive)
                .post("/v1/models/" + model + "/versions")
                .then();
    }

    private static io.restassured.response.ValidatableResponse dataset(
            String token, String key, String name, String encoding, byte[] body) {
        RequestSpecification spec =
                withKey(as(token), key).contentType("text/csv").body(body);
        if (encoding != null) {
            spec = spec.header("Content-Encoding", encoding);
        }
        return spec.post("/v1/datasets?name=" + name + "&label=label").then();
    }

    private static RequestSpecification withKey(RequestSpecification spec, String key) {
        return key == null ? spec : spec.header(KEY, key);
    }

    private static byte[] csv(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(csv(text));
        }
        return out.toByteArray();
    }

    private static void conflict(io.restassured.response.ValidatableResponse response) {
        response.statusCode(409)
                .contentType(startsWith("application/problem+json"))
                .body("type", equalTo("/problems/conflict"))
                .body("status", equalTo(409));
    }

    /** A replay: the first answer's status, body and {@code Location}, as sent. */
    private static void assertSameAnswer(ExtractableResponse<Response> first, ExtractableResponse<Response> again) {
        assertEquals(first.statusCode(), again.statusCode());
        assertEquals(first.header("Location"), again.header("Location"));
        assertEquals(first.asString(), again.asString());
    }

    private static List<String> tenantModelNames(String tenant) {
        List<String> names = new ArrayList<>();
        List<Map<String, Object>> items = as(Tokens.tenant(tenant))
                .get("/v1/models?limit=100")
                .then()
                .statusCode(200)
                .extract()
                .path("items");
        for (Map<String, Object> item : items) {
            if ("tenant".equals(item.get("owner"))) {
                names.add((String) item.get("name"));
            }
        }
        return names;
    }

    private static void assertVersions(String tenant, String model, List<Integer> versions) {
        as(Tokens.tenant(tenant))
                .get("/v1/models/" + model + "/versions")
                .then()
                .statusCode(200)
                .body("items.version", equalTo(versions));
    }

    private static void assertDatasets(String tenant, List<String> ids) {
        as(Tokens.tenant(tenant)).get("/v1/datasets").then().statusCode(200).body("items.id", equalTo(ids));
    }

    /** {@link #CLIENTS} calls at once; their answers. */
    private static <T> List<T> concurrently(Callable<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private long keyRows(String scope, String key) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM idempotency_key WHERE scope = ? AND idem_key = ?")) {
            s.setString(1, scope);
            s.setString(2, key);
            try (var row = s.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /** Moves the key's expiry into the past, as if a day had gone by. */
    private void expire(String scope, String key) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("UPDATE idempotency_key SET expires_at = now() - interval"
                        + " '1 second' WHERE scope = ? AND idem_key = ?")) {
            s.setString(1, scope);
            s.setString(2, key);
            assertEquals(1, s.executeUpdate());
        }
    }
}
