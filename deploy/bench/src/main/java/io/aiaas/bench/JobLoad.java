package io.aiaas.bench;

import io.vertx.core.Context;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closed-loop job clients: each submits a job through the gateway, follows the job's event stream
 * ({@code GET /v1/jobs/{id}/events}, as a tenant waiting for its job does) until the stream ends after the terminal
 * status, then submits the next. Latency runs from sending the submission to the end of that stream, whose last status
 * must be {@code succeeded}.
 *
 * <p>A build without event streams (before issue 6) is polled instead ({@link Watch#POLL}). The stream is the
 * product's way to learn that a job ended, and costs the platform one request per job whatever
 * the job's duration; polling {@code GET /v1/jobs/{id}} instead made the reads themselves the load under measure (the
 * slower the platform applied results, the more reads each job cost). Written here rather than taken from a load tool
 * for the reason {@link LoadGenerator} gives.
 */
final class JobLoad implements AutoCloseable {

    /** How a client learns that its job ended. */
    enum Watch {
        /** Follows {@code GET /v1/jobs/{id}/events} to its end. */
        EVENTS,
        /**
         * Reads {@code GET /v1/jobs/{id}} after 1, 2, 4, 8, then every 16 ms: for builds without event streams (the
         * build before issue 6).
         */
        POLL
    }

    private final Vertx vertx =
            Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    private final Watch watch;

    JobLoad(Watch watch) {
        this.watch = watch;
    }

    /** Runs {@code clients} clients for {@code warmup} (not counted), then {@code measure}. */
    LoadGenerator.Result run(
            String gatewayUrl, String apiKey, String job, int clients, Duration warmup, Duration measure)
            throws Exception {
        URI base = URI.create(gatewayUrl);
        HttpClient http = vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost(base.getHost())
                        .setDefaultPort(base.getPort())
                        .setKeepAlive(true)
                        .setTcpNoDelay(true)
                        .setConnectTimeout(5_000)
                        .setIdleTimeout(60),
                // a submission and a stream per client at most
                new PoolOptions().setHttp1MaxSize(clients * 2).setMaxWaitQueueSize(clients * 4));
        Step step = new Step(http, apiKey, Buffer.buffer(job), new Tally(System.nanoTime(), warmup, measure));
        Context context = vertx.getOrCreateContext();
        context.runOnContext(ignored -> {
            for (int i = 0; i < clients; i++) {
                step.submit();
            }
        });
        step.drained.get(warmup.plus(measure).plusSeconds(120).toMillis(), TimeUnit.MILLISECONDS);
        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return step.tally.result(clients, measure);
    }

    /** One step's state; touched only on the generator's event loop. */
    private final class Step {
        final HttpClient http;
        final String authorization;
        final Buffer body;
        final Tally tally;
        final CompletableFuture<Void> drained = new CompletableFuture<>();
        int inFlight;

        Step(HttpClient http, String apiKey, Buffer body, Tally tally) {
            this.http = http;
            this.authorization = "Bearer " + apiKey;
            this.body = body;
            this.tally = tally;
        }

        void submit() {
            if (tally.over(System.nanoTime())) {
                if (inFlight == 0) {
                    drained.complete(null);
                }
                return;
            }
            inFlight++;
            long sent = System.nanoTime();
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setURI("/v1/jobs")
                    .addHeader("Authorization", authorization)
                    .addHeader("Content-Type", "application/json");
            http.request(options)
                    .compose(request -> request.send(body))
                    .compose(response -> response.body().map(b -> response.statusCode() == 202 ? b : null))
                    .onComplete(answer -> {
                        String jobId = null;
                        if (answer.succeeded() && answer.result() != null) {
                            jobId = new io.vertx.core.json.JsonObject(answer.result()).getString("id");
                        }
                        if (jobId == null) {
                            end(sent, -1);
                        } else if (watch == Watch.EVENTS) {
                            follow(jobId, sent);
                        } else {
                            poll(jobId, sent, 0);
                        }
                    });
        }

        /** Reads the job's event stream to its end; the last status event tells how the job ended. */
        void follow(String jobId, long sent) {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.GET)
                    .setURI("/v1/jobs/" + jobId + "/events")
                    .addHeader("Authorization", authorization)
                    .addHeader("Accept", "text/event-stream");
            http.request(options)
                    .compose(request -> request.send())
                    .compose(response -> response.body().map(b -> response.statusCode() == 200 ? b : null))
                    .onComplete(answer -> {
                        if (answer.failed() || answer.result() == null) {
                            end(sent, -2);
                            return;
                        }
                        String stream = answer.result().toString();
                        int last = stream.lastIndexOf("event:status");
                        boolean succeeded = last >= 0 && stream.indexOf("\"succeeded\"", last) > 0;
                        end(sent, succeeded ? 200 : -3);
                    });
        }

        /** Reads the job until it shows a terminal status. */
        void poll(String jobId, long sent, int tries) {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.GET)
                    .setURI("/v1/jobs/" + jobId)
                    .addHeader("Authorization", authorization);
            http.request(options)
                    .compose(request -> request.send())
                    .compose(response -> response.body())
                    .onComplete(answer -> {
                        String status = answer.succeeded()
                                ? new io.vertx.core.json.JsonObject(answer.result()).getString("status", "")
                                : "";
                        if (status.equals("succeeded")) {
                            end(sent, 200);
                        } else if (status.equals("failed") || status.equals("cancelled") || tries > 2_000) {
                            end(sent, -3);
                        } else {
                            vertx.setTimer(1L << Math.min(tries, 4), t -> poll(jobId, sent, tries + 1));
                        }
                    });
        }

        void end(long sent, int outcome) {
            inFlight--;
            tally.record(sent, outcome, outcome == 200);
            submit();
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
