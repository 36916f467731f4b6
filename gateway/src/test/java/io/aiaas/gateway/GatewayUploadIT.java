package io.aiaas.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.support.StandInService;
import io.aiaas.gateway.support.StandIns;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 2 GiB model upload streams through the packaged gateway with bounded memory. The gateway runs as a child JVM from
 * {@code target/quarkus-app} with a heap of {@value #HEAP_MB} MB and {@value #DIRECT_MB} MB of direct memory, so it
 * could not hold even a tenth of the upload; the stand-in model-service counts and hashes the bytes and stops reading
 * for two seconds a quarter of the way in, so a gateway without back-pressure would pile the client's bytes up.
 * The heap in use, sampled from the gateway's {@code /q/metrics} while the upload runs, stays under {@value
 * #HEAP_BOUND_MB} MB.
 */
class GatewayUploadIT {
    private static final long UPLOAD_BYTES = 2L << 30;
    private static final int HEAP_MB = 128;
    private static final int DIRECT_MB = 64;
    private static final int HEAP_BOUND_MB = 64;

    private static StandIns standIns;
    private static Process gateway;
    private static URI base;
    private static Path log;

    @BeforeAll
    static void startPackagedGateway() throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is built by the package phase");
        standIns = new StandIns();
        Map<String, String> config = standIns.start();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        base = URI.create("http://127.0.0.1:" + port);
        log = Files.createTempFile("gateway-upload-it", ".log");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx" + HEAP_MB + "m",
                        "-XX:MaxDirectMemorySize=" + DIRECT_MB + "m",
                        "-XX:+ExitOnOutOfMemoryError",
                        "-jar",
                        jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        env.put("AIAAS_TENANT_SERVICE_URL", config.get("aiaas.gateway.tenant-service-url"));
        env.put("AIAAS_MODEL_SERVICE_URL", config.get("aiaas.gateway.model-service-url"));
        env.put("AIAAS_GATEWAY_SIGNING_KEY_FILE", config.get("aiaas.gateway.auth.signing-key-file"));
        env.put("AIAAS_OIDC_URL", "http://127.0.0.1:9/realms/aiaas"); // no administrators here
        gateway = builder.start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            assertTrue(gateway.isAlive(), () -> "the gateway exited:\n" + tail());
            try {
                if (http.send(
                                        HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // starting
            }
            assertTrue(System.nanoTime() < deadline, () -> "the gateway did not get ready:\n" + tail());
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.destroy();
            if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
            }
        }
        if (standIns != null) {
            standIns.stop();
        }
    }

    @Test
    void twoGibibytesStreamThroughWithBoundedHeap() throws Exception {
        String key =
                StandIns.registerKey(List.of(Scopes.MODELS_WRITE), StandIns.plan("enterprise", 32L << 20, 4L << 30));
        StandIns.modelService.answerWith((r, exchange) -> StandInService.respond(
                exchange,
                201,
                "application/json",
                "{\"sizeBytes\":" + r.bodyBytes() + ",\"sha256\":\"" + r.bodySha256() + "\"}"));
        StandIns.modelService.pauseOnce(UPLOAD_BYTES / 4, 2_000);

        HeapSampler heap = new HeapSampler();
        heap.start();
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        long started = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .build()
                    .send(
                            HttpRequest.newBuilder(base.resolve("/v1/models/big/versions"))
                                    .header("Authorization", "Bearer " + key)
                                    .header("Content-Type", "application/zip")
                                    .POST(HttpRequest.BodyPublishers.fromPublisher(
                                            HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(sent)),
                                            UPLOAD_BYTES))
                                    .timeout(Duration.ofMinutes(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        } finally {
            heap.stop();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(
                "2 GiB through the gateway in %.1f s (%.0f MB/s); gateway heap in use at most %.1f MB over %d samples%n",
                seconds, UPLOAD_BYTES / seconds / 1e6, heap.max() / 1e6, heap.samples());

        assertEquals(201, response.statusCode(), response.body());
        JsonNode body = Json.mapper().readTree(response.body());
        assertEquals(UPLOAD_BYTES, body.path("sizeBytes").asLong(), "every byte arrived");
        assertEquals(
                HexFormat.of().formatHex(sent.digest()), body.path("sha256").asText(), "intact");
        assertEquals(String.valueOf(UPLOAD_BYTES), StandIns.modelService.last().header("Content-Length"));
        assertTrue(heap.samples() >= 5, "the heap was sampled while the upload ran");
        assertTrue(
                heap.max() < HEAP_BOUND_MB * 1_000_000L,
                "gateway heap reached " + heap.max() + " bytes during a " + UPLOAD_BYTES + "-byte upload");
        assertTrue(gateway.isAlive());
    }

    /** Deterministic bytes, hashed as they are handed out. */
    private static final class Generated extends InputStream {
        private final MessageDigest digest;
        private long produced;

        Generated(MessageDigest digest) {
            this.digest = digest;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (produced >= UPLOAD_BYTES) {
                return -1;
            }
            int n = (int) Math.min(len, UPLOAD_BYTES - produced);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) ((produced + i) * 31 >>> 3);
            }
            digest.update(b, off, n);
            produced += n;
            return n;
        }
    }

    /** Reads {@code jvm_memory_used_bytes{area="heap"}} (all heap pools) from the gateway's metrics, 5 times a second. */
    private static final class HeapSampler {
        private final AtomicLong max = new AtomicLong();
        private final AtomicLong samples = new AtomicLong();
        private final HttpClient http = HttpClient.newHttpClient();
        private volatile boolean running = true;
        private final Thread thread = new Thread(this::run, "heap-sampler");

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }

        long max() {
            return max.get();
        }

        long samples() {
            return samples.get();
        }

        private void run() {
            while (running) {
                try {
                    String metrics = http.send(
                                    HttpRequest.newBuilder(base.resolve("/q/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
                    long used = 0;
                    for (String line : metrics.split("\n")) {
                        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                            used += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        }
                    }
                    if (used > 0) {
                        max.accumulateAndGet(used, Math::max);
                        samples.incrementAndGet();
                    }
                    Thread.sleep(200);
                } catch (IOException e) {
                    // a missed sample
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static String tail() {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(log));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
