package io.aiaas.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A closed-loop HTTP load generator: {@code clients} virtual clients, each on its own keep-alive connection, send a
 * request, wait for the whole answer, and send the next. Latency is measured from just before the request is written
 * to the last byte of the answer. Everything runs on ONE event loop, so the generator takes as little as it can of a
 * small machine that also runs the system under test.
 *
 * <p>Written here rather than taken from wrk or similar: it must run from Maven artifacts alone (the CI machine has
 * only a JDK and Maven) and build requests with bodies and headers computed per run (keys, tokens).
 */
public final class LoadGenerator implements AutoCloseable {
    /** Largest number of latencies kept per step; enough for 10 s at 100k requests/s. */

    /** One request to send; its body is sent as is (null: none). */
    public record Call(HttpMethod method, String path, Map<String, String> headers, Buffer body) {}

    /** What a step measured. Latencies are in nanoseconds, sorted. */
    public record Result(
            int clients, long completed, long failed, double seconds, long[] latencies, Map<Integer, Long> statuses) {
        public double throughput() {
            return completed / seconds;
        }

        public double percentileMillis(double p) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p / 100.0 * latencies.length) - 1;
            return latencies[Math.max(0, Math.min(latencies.length - 1, index))] / 1e6;
        }
    }

    private final Vertx vertx =
            Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));

    /**
     * Runs {@code clients} virtual clients against {@code baseUrl} for {@code warmup} (not counted), then
     * {@code measure}. An answer whose status is not {@code expectedStatus}, or a failed exchange, counts as failed
     * and its latency is not kept.
     */
    public Result run(
            String baseUrl, Supplier<Call> calls, int expectedStatus, int clients, Duration warmup, Duration measure)
            throws Exception {
        URI base = URI.create(baseUrl);
        HttpClient http = vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost(base.getHost())
                        .setDefaultPort(base.getPort())
                        .setKeepAlive(true)
                        .setTcpNoDelay(true)
                        .setConnectTimeout(5_000)
                        .setIdleTimeout(60),
                new PoolOptions().setHttp1MaxSize(clients).setMaxWaitQueueSize(clients * 2));
        Step step = new Step(http, calls, expectedStatus, new Tally(System.nanoTime(), warmup, measure));
        vertx.runOnContext(ignored -> {
            for (int i = 0; i < clients; i++) {
                step.fire();
            }
        });
        CompletableFuture<Void> drained = step.drained;
        drained.get(warmup.plus(measure).plusSeconds(60).toMillis(), TimeUnit.MILLISECONDS);
        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return step.tally.result(clients, measure);
    }

    /** One step's state; touched only on the generator's single event loop. */
    private static final class Step {
        final HttpClient http;
        final Supplier<Call> calls;
        final int expectedStatus;
        final Tally tally;
        final CompletableFuture<Void> drained = new CompletableFuture<>();
        int inFlight;

        Step(HttpClient http, Supplier<Call> calls, int expectedStatus, Tally tally) {
            this.http = http;
            this.calls = calls;
            this.expectedStatus = expectedStatus;
            this.tally = tally;
        }

        void fire() {
            if (tally.over(System.nanoTime())) {
                if (inFlight == 0) {
                    drained.complete(null);
                }
                return;
            }
            inFlight++;
            Call call = calls.get();
            RequestOptions options =
                    new RequestOptions().setMethod(call.method()).setURI(call.path());
            call.headers().forEach(options::addHeader);
            long sent = System.nanoTime();
            http.request(options)
                    .compose(request -> call.body() == null ? request.send() : request.send(call.body()))
                    .compose(response -> response.body().map(body -> response.statusCode()))
                    .onComplete(answer -> {
                        inFlight--;
                        int status = answer.succeeded() ? answer.result() : -1;
                        tally.record(sent, status, status == expectedStatus);
                        fire();
                    });
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
