package io.aiaas.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import io.aiaas.gateway.support.StandInService;
import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway holding 1,000 open event streams still answers other requests at its normal latency. Relayed on the event
 * loop, a stream costs the gateway two connections and no thread; the blocking gateway this replaced held a worker
 * thread per stream (200 at most), so with 1,000 streams open every other request waited for a stream to end.
 */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
class EventStreamsTest {
    private static final int STREAMS = 1_000;
    private static final int SAMPLES = 200;

    @TestHTTPResource("/")
    URI gateway;

    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void reset() {
        release.countDown();
        StandIns.resetAnswers();
    }

    @Test
    void thousandOpenStreamsLeaveOtherRequestsAtTheirNormalLatency() throws Exception {
        String key = StandIns.registerKey(List.of(Scopes.JOBS_READ, Scopes.MODELS_READ));
        AtomicInteger open = new AtomicInteger();
        StandIns.modelService.answerWith((r, exchange) -> {
            if (!r.path().endsWith("/events")) {
                StandInService.echo(r, exchange);
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("id: 1\nevent: status\ndata: {\"status\":\"running\"}\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                open.incrementAndGet();
                release.await(120, TimeUnit.SECONDS);
                out.write(
                        "id: 2\nevent: status\ndata: {\"status\":\"succeeded\"}\n\n".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        long[] before = latencies(client, key);

        List<DataLines> streams = new ArrayList<>();
        List<CompletableFuture<HttpResponse<Void>>> responses = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            DataLines lines = new DataLines();
            streams.add(lines);
            responses.add(client.sendAsync(
                    HttpRequest.newBuilder(gateway.resolve("/v1/jobs/job_" + i + "/events"))
                            .header("Authorization", "Bearer " + key)
                            .header("Accept", "text/event-stream")
                            .build(),
                    HttpResponse.BodyHandlers.fromLineSubscriber(lines)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (streams.stream().anyMatch(s -> s.data.get() < 1) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(STREAMS, streams.stream().filter(s -> s.data.get() == 1).count(), "every stream has begun");
        assertEquals(STREAMS, open.get());

        long[] during = latencies(client, key);
        long p50Before = before[SAMPLES / 2];
        long p50During = during[SAMPLES / 2];
        System.out.printf(
                "GET /v1/models p50 %.2f ms, p95 %.2f ms alone; p50 %.2f ms, p95 %.2f ms beside %d open streams%n",
                p50Before / 1e6,
                before[SAMPLES * 95 / 100] / 1e6,
                p50During / 1e6,
                during[SAMPLES * 95 / 100] / 1e6,
                STREAMS);
        // Bound: three times the median without streams, plus 5 ms for a busy 2-core machine (the test's own 1,000
        // stand-in threads and client share it). A gateway that needs a thread per stream misses it by seconds.
        assertTrue(
                p50During <= 3 * p50Before + 5_000_000,
                "median " + p50During / 1e6 + " ms beside the streams, " + p50Before / 1e6 + " ms alone");

        release.countDown();
        for (CompletableFuture<HttpResponse<Void>> response : responses) {
            assertEquals(200, response.get(60, TimeUnit.SECONDS).statusCode());
        }
        for (DataLines lines : streams) {
            assertTrue(lines.done.await(30, TimeUnit.SECONDS));
            assertEquals(2, lines.data.get(), "each stream went on to its end");
        }
    }

    /** Sorted latencies, in nanoseconds, of authenticated reads made one after another. */
    private long[] latencies(HttpClient client, String key) throws Exception {
        HttpRequest read = HttpRequest.newBuilder(gateway.resolve("/v1/models"))
                .header("Authorization", "Bearer " + key)
                .build();
        for (int i = 0; i < 500; i++) { // warm-up: compiled code on both sides before anything is measured
            assertEquals(
                    200,
                    client.send(read, HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        long[] samples = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            long start = System.nanoTime();
            assertEquals(
                    200,
                    client.send(read, HttpResponse.BodyHandlers.discarding()).statusCode());
            samples[i] = System.nanoTime() - start;
        }
        Arrays.sort(samples);
        return samples;
    }

    /** Counts an event stream's {@code data:} lines as they arrive. */
    private static final class DataLines implements Flow.Subscriber<String> {
        final AtomicInteger data = new AtomicInteger();
        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (line.startsWith("data:")) {
                data.incrementAndGet();
            }
        }

        @Override
        public void onError(Throwable throwable) {
            done.countDown();
        }

        @Override
        public void onComplete() {
            done.countDown();
        }
    }
}
