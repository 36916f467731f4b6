package io.aiaas.model.api;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;

/**
 * Plan limits where the bytes arrive, and archives that must never be stored: the tenants here are on a plan of
 * {@code maxModelBytes} 1 MiB ({@link Tokens#TEST_PLAN}) while the service itself takes up to 4 MiB.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class UploadLimitsApiTest extends ApiTestSupport {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URI base;

    @Test
    void refusedArchivesLeaveNothingOnDiskAndConsumeNoVersionNumber() throws Exception {
        String tenant = newTenant();
        String modelId = createModel(tenant, "guarded");
        List<Archives.Entry> model = Archives.entries(DenseModels.dense(), "");
        upload(tenant, "guarded", "application/zip", Archives.zip(model))
                .statusCode(201)
                .body("version", equalTo(1));

        // a bomb: 2 MB of zeros in a few kilobytes, under the service's 4 MiB but over the plan's 1 MiB unpacked
        byte[] bomb = Archives.zip(with(model, "variables/padding.bin", new byte[2_000_000]));
        assertTrue(bomb.length < 100_000, "a small archive: " + bomb.length);
        tooLarge(upload(tenant, "guarded", "application/zip", bomb));
        tooLarge(
                upload(tenant, "guarded", "application/gzip", Archives.tarGz(with(model, "pad", new byte[2_000_000]))));
        // over the plan's size packed: announced, and streamed without a length (counted while staged)
        byte[] noise = new byte[1_100_000];
        new Random(9).nextBytes(noise);
        byte[] oversize = Archives.zip(with(model, "variables/noise.bin", noise));
        tooLarge(upload(tenant, "guarded", "application/zip", oversize));
        HttpResponse<String> chunked = chunkedUpload(tenant, "guarded", oversize);
        assertEquals(413, chunked.statusCode(), chunked.body());
        assertTrue(chunked.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));

        // unsafe or damaged archives
        unprocessable(upload(
                tenant, "guarded", "application/zip", Archives.zipWithSymlink(model, "variables/link", "/etc/passwd")));
        unprocessable(
                upload(tenant, "guarded", "application/gzip", Archives.tarGz(model, "variables/link", "/etc/passwd")));
        unprocessable(upload(
                tenant,
                "guarded",
                "application/gzip",
                Archives.tarGz(model, "variables/hard", "saved_model.pb", TarArchiveEntry.LF_LINK)));
        unprocessable(upload(
                tenant,
                "guarded",
                "application/zip",
                Archives.zip(with(with(model, "extra", bytes("file")), "extra/inner", bytes("x")))));
        unprocessable(upload(
                tenant, "guarded", "application/zip", Archives.zip(with(model, "saved_model.pb", bytes("again")))));
        byte[] whole = Archives.zip(model);
        unprocessable(upload(tenant, "guarded", "application/zip", Arrays.copyOf(whole, whole.length / 2)));

        // nothing of them anywhere: no row, no version directory, no staged archive, no unpack directory
        as(Tokens.tenant(tenant)).get("/v1/models/guarded/versions").then().body("items.version", equalTo(List.of(1)));
        Path modelDir = InternalKeysTestResource.artifactDir().resolve(tenant).resolve(modelId);
        try (Stream<Path> versions = Files.list(modelDir)) {
            assertEquals(
                    List.of("1"), versions.map(p -> p.getFileName().toString()).toList());
        }
        assertStagingEmpty();

        // and the next good upload is the next number
        upload(tenant, "guarded", "application/zip", whole).statusCode(201).body("version", equalTo(2));
    }

    @Test
    void catalogueUploadsByAdministratorsAreBoundedByTheServiceLimit() {
        String name = "bounded-" + Long.toString(System.nanoTime(), 36);
        as(Tokens.admin())
                .contentType("application/json")
                .body(Map.of("name", name))
                .post("/admin/v1/models")
                .then()
                .statusCode(201);
        List<Archives.Entry> model = Archives.entries(DenseModels.dense(), "");
        // no plan: what a tenant's plan refuses, the service's 4 MiB allows
        as(Tokens.admin())
                .contentType("application/zip")
                .body(Archives.zip(with(model, "variables/padding.bin", new byte[2_000_000])))
                .post("/admin/v1/models/" + name + "/versions")
                .then()
                .statusCode(201)
                .body("version", equalTo(1));
        tooLarge(as(Tokens.admin())
                .contentType("application/zip")
                .body(Archives.zip(with(model, "variables/padding.bin", new byte[5_000_000])))
                .post("/admin/v1/models/" + name + "/versions")
                .then());
        assertStagingEmpty();
    }

    @Test
    void jsonBodiesAreBoundedByThePlansMaxRequestBytes() throws Exception {
        String tenant = newTenant();
        String small = Tokens.tenant(tenant, Scopes.ALL, Tokens.plan(2048, 1024 * 1024));
        String description = "d".repeat(3000);
        tooLarge(as(small)
                .contentType("application/json")
                .body(Map.of("name", "wordy", "description", description))
                .post("/v1/models")
                .then());
        HttpResponse<String> chunked = HTTP.send(
                HttpRequest.newBuilder(base.resolve("/v1/models"))
                        .header("Authorization", small)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                                ("{\"name\":\"wordy\",\"description\":\"" + description + "\"}")
                                        .getBytes(StandardCharsets.UTF_8))))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode(), chunked.body());
        as(Tokens.tenant(tenant)).get("/v1/models/wordy").then().statusCode(404);
        // the same body on a larger plan
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("name", "wordy", "description", description))
                .post("/v1/models")
                .then()
                .statusCode(201);
    }

    private HttpResponse<String> chunkedUpload(String tenant, String model, byte[] archive) throws Exception {
        // no Content-Length: the JDK client streams an InputStream publisher chunked
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve("/v1/models/" + model + "/versions"))
                        .header("Authorization", Tokens.tenant(tenant))
                        .header("Content-Type", "application/zip")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(archive)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertStagingEmpty() {
        Path staging = InternalKeysTestResource.artifactDir().resolve(".staging");
        if (!Files.exists(staging)) {
            return;
        }
        try (Stream<Path> left = Files.list(staging)) {
            assertEquals(List.of(), left.toList(), "staging leftovers");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void tooLarge(io.restassured.response.ValidatableResponse response) {
        response.statusCode(413)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/payload-too-large"));
    }

    private static void unprocessable(io.restassured.response.ValidatableResponse response) {
        response.statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/unprocessable"));
    }

    private static List<Archives.Entry> with(List<Archives.Entry> entries, String name, byte[] data) {
        List<Archives.Entry> out = new ArrayList<>(entries);
        out.add(new Archives.Entry(name, data));
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
