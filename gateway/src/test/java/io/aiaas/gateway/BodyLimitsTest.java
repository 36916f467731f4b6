package io.aiaas.gateway;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.support.RawHttp;
import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The plan's limits where the bytes arrive, and refusals made below the application answered as problems. */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
class BodyLimitsTest {
    /** maxRequestBytes 1,000; maxModelBytes 5,000. */
    private static final Map<String, Object> TINY = StandIns.plan("tiny", 1_000, 5_000);

    @TestHTTPResource("/")
    URI gateway;

    private String key;

    @BeforeEach
    void reset() {
        StandIns.resetAnswers();
        key = StandIns.registerKey(List.of(Scopes.MODELS_WRITE, Scopes.DATASETS_WRITE, Scopes.JOBS_WRITE), TINY);
    }

    private static byte[] json(int size) {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) ' ');
        body[0] = '{';
        body[size - 1] = '}';
        return body;
    }

    /** A declared length over the limit is refused at once: the answer comes while the body has not been sent. */
    @Test
    void declaredJsonBodyOverMaxRequestBytesIsRefusedBeforeItIsSent() throws Exception {
        RawHttp.Response r = RawHttp.exchange(
                gateway,
                "POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100000000",
                null,
                5_000);
        assertEquals(413, r.status());
        assertEquals("application/problem+json", r.header("Content-Type"));
        assertEquals("close", r.header("Connection"));
        JsonNode body = Json.mapper().readTree(r.body());
        assertEquals("/problems/payload-too-large", body.path("type").asText());
        assertTrue(body.path("detail").asText().contains("maxRequestBytes 1000"), body.toString());
        assertTrue(StandIns.modelService.received().isEmpty());
    }

    @Test
    void chunkedJsonBodyIsRefusedWhenItCrossesTheLimit() throws Exception {
        HttpResponse<String> response = post("/v1/jobs", "application/json", json(5_000), false);
        assertEquals(413, response.statusCode(), response.body());
        assertEquals(
                "application/problem+json",
                response.headers().firstValue("Content-Type").orElse(""));
        assertTrue(response.body().contains("/problems/payload-too-large"), response.body());
        assertTrue(StandIns.modelService.received().isEmpty(), "model-service never got a body it could take as whole");
    }

    @Test
    void bodiesWithinTheLimitPass() throws Exception {
        assertEquals(
                200, post("/v1/jobs", "application/json", json(1_000), false).statusCode());
        assertEquals(
                200, post("/v1/jobs", "application/json", json(1_000), true).statusCode());
        assertEquals(2, StandIns.modelService.received().size());
        assertEquals(1_000, StandIns.modelService.last().bodyBytes());
    }

    /** CONTRACT, Archives: uploads of versions and datasets are not bounded by maxRequestBytes. */
    @Test
    void uploadsAreNotHeldToMaxRequestBytes() throws Exception {
        byte[] archive = new byte[4_000];
        assertEquals(
                200,
                post("/v1/models/m/versions", "application/zip", archive, true).statusCode());
        assertEquals(
                200,
                post("/v1/models/m/versions", "application/zip", archive, false).statusCode());
        byte[] csv = "a,b,label\n1,2,0\n".repeat(2_000).getBytes();
        assertEquals(
                200,
                post("/v1/datasets?name=d&label=label", "text/csv", csv, false).statusCode());
        assertEquals(csv.length, StandIns.modelService.last().bodyBytes());
    }

    @Test
    void aVersionDeclaredOverMaxModelBytesIsRefusedEarly() throws Exception {
        HttpResponse<String> response = post("/v1/models/m/versions", "application/zip", new byte[6_000], true);
        assertEquals(413, response.statusCode());
        assertTrue(response.body().contains("maxModelBytes 5000"), response.body());
        assertTrue(StandIns.modelService.received().isEmpty());
    }

    /** Over the gateway's own ceiling (200 MB in tests), on any path: our problem, not Quarkus' bare 413. */
    @Test
    void overTheCeilingIsAProblemOnEveryPath() throws Exception {
        for (String path : List.of("/problems/not-found", "/v1/jobs", "/q/health/live")) {
            RawHttp.Response r = RawHttp.exchange(
                    gateway,
                    "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 300000000",
                    null,
                    5_000);
            assertEquals(413, r.status(), path);
            assertEquals("application/problem+json", r.header("Content-Type"), path);
            assertTrue(r.body().contains("\"requestId\":\"req_"), r.body());
        }
    }

    @Test
    void refusalsBelowTheApplication() throws Exception {
        problem(given().get("/nowhere/at/all").then(), 404, "not-found");
        // Netty (an unreadable Content-Length) and Quarkus (a URI that cannot be decoded) answer these before any
        // route runs, with a bare 400 and no body: refused, and nothing reaches a service.
        RawHttp.Response badLength = RawHttp.exchange(
                gateway, "POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12x", null, 5_000);
        assertEquals(400, badLength.status());
        RawHttp.Response badPath = RawHttp.exchange(
                gateway, "GET /v1/models/%zz HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key, null, 5_000);
        assertEquals(400, badPath.status(), badPath.body());
        assertTrue(StandIns.modelService.received().isEmpty());
    }

    /** An error answer to a request without a body keeps the connection for the next request. */
    @Test
    void refusalsOfBodilessRequestsKeepTheConnection() throws Exception {
        RawHttp.Response r = RawHttp.exchange(
                gateway, "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer aiaas_x", null, 2_000);
        assertEquals(401, r.status());
        assertEquals(null, r.header("Connection"));
    }

    private HttpResponse<String> post(String path, String type, byte[] body, boolean declared) throws Exception {
        HttpRequest.BodyPublisher publisher = declared
                ? HttpRequest.BodyPublishers.ofByteArray(body)
                : HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .build()
                .send(
                        HttpRequest.newBuilder(gateway.resolve(path))
                                .header("Authorization", "Bearer " + key)
                                .header("Content-Type", type)
                                .POST(publisher)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
