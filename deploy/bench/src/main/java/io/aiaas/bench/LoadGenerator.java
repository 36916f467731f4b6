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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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

    /** An answer with the expected status whose body is wrong counts as failed with this outcome. */
    public static final int WRONG_ANSWER = -2;

    /**
     * One request to send; its body is sent as is (null: none). With {@code check}, an answer with the expected status
     * is also read and checked: a check that returns a description of what is wrong makes the call fail
     * ({@link #WRONG_ANSWER}).
     */
    public record Call(
            HttpMethod method, String path, Map<String, String> headers, Buffer body, Function<Buffer, String> check) {
        public Call(HttpMethod method, String path, Map<String, String> headers, Buffer body) {
            this(method, path, headers, body, null);
        }
    }

    /** What a step measured. Latencies are in nanoseconds, sorted. */
    public record Result(
            int clients, long completed, long failed, double seconds, long[] latencies, Map<Integer, Long> statuses) {
        public double throughput() {
            return completed / seconds;
        }

        public double percentileMillis(double p) {
            return Percentiles.millis(latencies, p);
        }

        /** Steps of the same clients measured apart (for example in alternating rounds), as one. */
        public static Result merge(List<Result> parts) {
            long completed = 0;
            long failed = 0;
            double seconds = 0;
            int length = 0;
            Map<Integer, Long> statuses = new TreeMap<>();
            for (Result r : parts) {
                completed += r.completed;
                failed += r.failed;
                seconds += r.seconds;
                length += r.latencies.length;
                r.statuses.forEach((status, n) -> statuses.merge(status, n, Long::sum));
            }
            long[] latencies = new long[length];
            int at = 0;
            for (Result r : parts) {
                System.arraycopy(r.latencies, 0, latencies, at, r.latencies.length);
                at += r.latencies.length;
            }
            Arrays.sort(latencies);
            return new Result(parts.get(0).clients, completed, failed, seconds, latencies, statuses);
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
        Tally tally = new Tally(System.nanoTime(), warmup, measure);
        drive(baseUrl, calls, expectedStatus, clients, tally, Long.MAX_VALUE, warmup.plus(measure));
        return tally.result(clients, measure);
    }

    /**
     * Runs {@code clients} virtual clients against {@code baseUrl} until {@code count} calls have been sent and
     * answered (none is warm-up), or {@code timeout} has passed; the result's seconds are the time it took.
     */
    public Result runCount(
            String baseUrl, Supplier<Call> calls, int expectedStatus, int clients, long count, Duration timeout)
            throws Exception {
        long start = System.nanoTime();
        Tally tally = new Tally(start, Duration.ZERO, timeout);
        drive(baseUrl, calls, expectedStatus, clients, tally, count, timeout);
        return tally.result(clients, (System.nanoTime() - start) / 1e9);
    }

    private void drive(
            String baseUrl,
            Supplier<Call> calls,
            int expectedStatus,
            int clients,
            Tally tally,
            long count,
            Duration window)
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
        Step step = new Step(http, calls, expectedStatus, tally, count);
        vertx.runOnContext(ignored -> {
            for (int i = 0; i < clients; i++) {
                step.fire();
            }
        });
        CompletableFuture<Void> drained = step.drained;
        drained.get(window.plusSeconds(60).toMillis(), TimeUnit.MILLISECONDS);
        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** One step's state; touched only on the generator's single event loop. */
    private static final class Step {
        final HttpClient http;
        final Supplier<Call> calls;
        final int expectedStatus;
        final Tally tally;
        final CompletableFuture<Void> drained = new CompletableFuture<>();
        /** Calls still to send. */
        long left;

        int inFlight;

        Step(HttpClient http, Supplier<Call> calls, int expectedStatus, Tally tally, long count) {
            this.http = http;
            this.calls = calls;
            this.expectedStatus = expectedStatus;
            this.tally = tally;
            this.left = count;
        }

        void fire() {
            if (left <= 0 || tally.over(System.nanoTime())) {
                if (inFlight == 0) {
                    drained.complete(null);
                }
                return;
            }
            inFlight++;
            left--;
            Call call = calls.get();
            RequestOptions options =
                    new RequestOptions().setMethod(call.method()).setURI(call.path());
            call.headers().forEach(options::addHeader);
            long sent = System.nanoTime();
            http.request(options)
                    .compose(request -> call.body() == null ? request.send() : request.send(call.body()))
                    .compose(response -> response.body().map(body -> outcome(call, response.statusCode(), body)))
                    .onComplete(answer -> {
                        inFlight--;
                        int outcome = answer.succeeded() ? answer.result() : -1;
                        tally.record(sent, outcome, outcome == expectedStatus);
                        fire();
                    });
        }

        /** The answer's status, or {@link #WRONG_ANSWER} when it has the expected status and its check fails. */
        private int outcome(Call call, int status, Buffer body) {
            if (status == expectedStatus && call.check() != null && call.check().apply(body) != null) {
                return WRONG_ANSWER;
            }
            return status;
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
