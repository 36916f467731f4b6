package io.aiaas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
    private Vertx vertx;
    private HttpServer server;
    private final AtomicInteger served = new AtomicInteger();

    /** Answers 200 with the request's path back, so a call's check sees whether the answer is its own. */
    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer()
                .requestHandler(request -> {
                    served.incrementAndGet();
                    request.response().setStatusCode(200).end(request.path());
                })
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCountedRunSendsExactlyThatManyCallsAndWrongAnswersFail() throws Exception {
        AtomicInteger next = new AtomicInteger();
        try (LoadGenerator load = new LoadGenerator()) {
            LoadGenerator.Result result = load.runCount(
                    "http://127.0.0.1:" + server.actualPort(),
                    () -> {
                        int n = next.getAndIncrement();
                        // every fourth answer is judged wrong: its check wants another path
                        String wanted = n % 4 == 0 ? "/other" : "/call";
                        return new LoadGenerator.Call(
                                HttpMethod.GET,
                                "/call",
                                Map.of(),
                                null,
                                body -> body.toString().equals(wanted) ? null : "answered " + body);
                    },
                    200,
                    8,
                    1_000,
                    Duration.ofMinutes(1));
            assertEquals(1_000, served.get());
            assertEquals(750, result.completed());
            assertEquals(250, result.failed());
            assertEquals(Map.of(200, 750L, LoadGenerator.WRONG_ANSWER, 250L), result.statuses());
            assertEquals(750, result.latencies().length);
        }
    }
}
