package io.aiaas.model.support;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.aiaas.common.id.Ids;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Shared steps of the API tests. */
public abstract class ApiTestSupport {

    protected static String newTenant() {
        return Ids.newId(Ids.TENANT);
    }

    protected static RequestSpecification as(String authorization) {
        return given().header("Authorization", authorization);
    }

    protected static String createModel(String tenant, String name) {
        return as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("name", name, "description", "test model"))
                .post("/v1/models")
                .then()
                .statusCode(201)
                .body("name", equalTo(name))
                .extract()
                .path("id");
    }

    protected static ValidatableResponse upload(String tenant, String model, String contentType, byte[] body) {
        return as(Tokens.tenant(tenant))
                .contentType(contentType)
                .body(body)
                .post("/v1/models/" + model + "/versions")
                .then();
    }

    /** No version row and no file of the model anywhere, nor a staging leftover. */
    protected static void assertNothingStored(String tenant, String model, String modelId) {
        as(Tokens.tenant(tenant))
                .get("/v1/models/" + model + "/versions")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(0));
        Path dir = InternalKeysTestResource.artifactDir().resolve(tenant).resolve(modelId);
        org.junit.jupiter.api.Assertions.assertEquals(0, countFiles(dir), "files under " + dir);
        org.junit.jupiter.api.Assertions.assertEquals(
                0, countFiles(InternalKeysTestResource.artifactDir().resolve(".staging")), "staging leftovers");
    }

    protected static long countFiles(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Polls until {@code condition} holds, failing after {@code timeout}. */
    protected static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }
}
