package io.aiaas.gateway;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.support.StandInService;
import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(StandIns.class)
class StreamingAndFailureTest {
    private static final long UPLOAD_BYTES = 50L * 1024 * 1024;

    @TestHTTPResource("/")
    URI gateway;

    @BeforeEach
    void reset() {
        StandIns.resetAnswers();
    }

    @Test
    void modelServiceDownIs503WithRetryAfter() throws IOException {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        StandIns.modelService.stop();
        try {
            problem(
                            given().header("Authorization", "Bearer " + key)
                                    .get("/v1/models")
                                    .then(),
                            503,
                            "unavailable")
                    .header("Retry-After", "2");
        } finally {
            StandIns.modelService.start();
        }
        given().header("Authorization", "Bearer " + key)
                .get("/v1/models")
                .then()
                .statusCode(200);
    }

    @Test
    void tenantServiceDownIs503WithRetryAfter() throws IOException {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        StandIns.tenantService.stop();
        try {
            problem(
                            given().header("Authorization", "Bearer " + key)
                                    .get("/v1/models")
                                    .then(),
                            503,
                            "unavailable")
                    .header("Retry-After", "2");
        } finally {
            StandIns.tenantService.start();
        }
    }

    /** Readiness is the gateway's own: services being down must not take every replica out of rotation. */
    @Test
    void readinessStaysUpWithBothServicesDown() throws IOException {
        StandIns.tenantService.stop();
        StandIns.modelService.stop();
        try {
            given().get("/q/health/ready").then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("UP"));
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            StandIns.tenantService.start();
            StandIns.modelService.start();
        }
    }

    @Test
    void slowUpstreamIs503() {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        // the stand-in stays silent: the client sees 503 once the connection has been idle for the configured 3 s
        StandIns.modelService.answerWith((r, exchange) -> {
            try {
                Thread.sleep(4500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            StandInService.echo(r, exchange);
        });
        problem(
                        given().header("Authorization", "Bearer " + key)
                                .get("/v1/models")
                                .then(),
                        503,
                        "unavailable")
                .header("Retry-After", "2");
        // the gateway's own idle timeout is no stale connection: the call is not sent again
        assertEquals(1, StandIns.modelService.received().size());
    }

    /**
     * 50 MB go through while the gateway holds only a little of them: the client's generator pauses after the first
     * megabyte until model-service has seen part of it, which a gateway that buffered the whole body never allows.
     */
    @Test
    void largeUploadIsStreamedThrough() throws Exception {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_WRITE));
        StandIns.modelService.answerWith((r, exchange) -> StandInService.respond(
                exchange,
                201,
                "application/json",
                "{\"sizeBytes\":" + r.bodyBytes() + ",\"sha256\":\"" + r.bodySha256() + "\",\"length\":\""
                        + r.header("Content-Length") + "\"}"));
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        AtomicLong peakRetained = new AtomicLong();

        InputStream generator = new InputStream() {
            long produced;
            boolean waited;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (produced >= UPLOAD_BYTES) {
                    return -1;
                }
                if (produced >= 1024 * 1024 && !waited) {
                    waited = true;
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (StandIns.modelService.bytesSeen() < 256 * 1024) {
                        if (System.nanoTime() > deadline) {
                            throw new IOException("model-service saw nothing of the body: the gateway buffers it");
                        }
                        sleep(20);
                    }
                }
                int n = (int) Math.min(len, UPLOAD_BYTES - produced);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) ((produced + i) * 31);
                }
                sent.update(b, off, n);
                produced += n;
                if (produced % (8 * 1024 * 1024) < n) {
                    System.gc();
                    peakRetained.accumulateAndGet(memory.getHeapMemoryUsage().getUsed() - heapBefore, Math::max);
                }
                return n;
            }
        };
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/models/big/versions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> generator), UPLOAD_BYTES))
                .timeout(Duration.ofMinutes(2))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertEquals(201, response.statusCode(), response.body());
        JsonNode body = Json.mapper().readTree(response.body());
        assertEquals(UPLOAD_BYTES, body.path("sizeBytes").asLong());
        assertEquals(
                HexFormat.of().formatHex(sent.digest()), body.path("sha256").asText());
        assertEquals(String.valueOf(UPLOAD_BYTES), body.path("length").asText());
        assertEquals("application/zip", StandIns.modelService.last().header("Content-Type"));
        // sanity: the live heap (after GC) never held anything like the upload
        assertTrue(
                peakRetained.get() < UPLOAD_BYTES / 2,
                "heap grew by " + peakRetained.get() + " bytes during a " + UPLOAD_BYTES + "-byte upload");
    }

    /** An event stream reaches the client event by event, not when the service ends it. */
    @Test
    void eventStreamsAreFlushedAsTheyCome() throws Exception {
        String key = StandIns.registerKey(List.of(Scopes.JOBS_READ));
        CountDownLatch firstSeen = new CountDownLatch(1);
        StandIns.modelService.answerWith((r, exchange) -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.getResponseHeaders().add("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            try (var out = exchange.getResponseBody()) {
                out.write("event: status\ndata: {\"status\":\"running\"}\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                boolean seen = firstSeen.await(20, TimeUnit.SECONDS);
                out.write(("event: status\ndata: {\"status\":\"" + (seen ? "succeeded" : "late") + "\"}\n\n")
                        .getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/jobs/job_1/events"))
                .header("Authorization", "Bearer " + key)
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(30))
                .build();
        HttpResponse<java.util.stream.Stream<String>> response =
                HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> data = new java.util.ArrayList<>();
        try (var lines = response.body()) {
            lines.filter(l -> l.startsWith("data:")).forEach(l -> {
                data.add(l);
                firstSeen.countDown();
            });
        }
        assertEquals(List.of("data: {\"status\":\"running\"}", "data: {\"status\":\"succeeded\"}"), data);
    }

    /**
     * A job's event stream goes through the event-stream pool by its path alone (no {@code Accept} header): it stays
     * open while quiet for longer than the ordinary idle timeout (3 s in tests), and the client's
     * {@code Last-Event-ID} reaches model-service, which resumes the stream after it.
     */
    @Test
    void jobEventStreamsResumeAndOutliveTheOrdinaryIdleTimeout() throws Exception {
        String key = StandIns.registerKey(List.of(Scopes.JOBS_READ));
        StandIns.modelService.answerWith((r, exchange) -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (var out = exchange.getResponseBody()) {
                out.write("id:8\nevent:progress\ndata:{\"step\":1}\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(4500);
                out.write("id:9\nevent:status\ndata:{\"status\":\"succeeded\"}\n\n".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/jobs/job_1/events"))
                .header("Authorization", "Bearer " + key)
                .header("Last-Event-ID", "7")
                .timeout(Duration.ofSeconds(30))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("id:8") && response.body().contains("id:9"), response.body());
        StandInService.Received received = StandIns.modelService.last();
        assertEquals("/v1/jobs/job_1/events", received.path());
        assertEquals("7", received.header("Last-Event-ID"));
    }

    @Test
    void chunkedBodyTravelsChunked() throws Exception {
        String key = StandIns.registerKey(List.of(Scopes.DATASETS_WRITE));
        byte[] csv = "a,b,label\n1,2,0\n3,4,1\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/datasets?name=d&label=label"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(csv)))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        StandInService.Received r = StandIns.modelService.last();
        assertEquals(csv.length, r.bodyBytes());
        assertEquals("name=d&label=label", r.query());
        assertEquals("text/csv", r.header("Content-Type"));
    }

    @Test
    void serviceRefusingTheInternalTokenIs503NotTheCallersFault() {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        StandIns.modelService.answerWith(
                (r, exchange) -> StandInService.respond(exchange, 401, "application/problem+json", "{}"));
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v1/models")
                        .then(),
                503,
                "unavailable");
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
