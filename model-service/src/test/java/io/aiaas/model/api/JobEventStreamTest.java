package io.aiaas.model.api;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.events.JobStatus;
import io.aiaas.common.json.Json;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobEventNotifications;
import io.aiaas.model.repository.JobRepository;
import io.aiaas.model.service.JobEventLog;
import io.aiaas.model.service.JobEventStreams;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.EventStreamClient;
import io.aiaas.model.support.EventStreamClient.Event;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/jobs/{id}/events} against the real database: replay, {@code Last-Event-ID}, live rows written by
 * other transactions, the end after the terminal status, many streams without a thread each, client disconnects, and
 * a LISTEN connection that the database ends.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class JobEventStreamTest extends ApiTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TENANT = newTenant();
    private static boolean modelReady;
    /** Two threads for every stream the tests open: the client holds no thread per stream either. */
    private static final ExecutorService CLIENT_THREADS = Executors.newFixedThreadPool(2);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(CLIENT_THREADS)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @TestHTTPResource("/")
    URI base;

    @Inject
    JobRepository jobs;

    @Inject
    JobEventLog eventLog;

    @Inject
    JobEventStreams streams;

    @Inject
    DataSource dataSource;

    @AfterAll
    static void closeClient() {
        CLIENT_THREADS.shutdownNow();
    }

    @Test
    void replaysThenFollowsLiveRowsAndEndsAfterTheTerminalStatus() throws Exception {
        String jobId = newJob();
        EventStreamClient sse = open(jobId, null);
        Event queued = sse.next(WAIT);
        assertEquals("1", queued.id());
        assertEquals("status", queued.name());
        assertEquals(
                "queued", Json.mapper().readTree(queued.data()).get("status").asText());

        // rows committed by other transactions arrive as they commit
        List<Long> latencies = new ArrayList<>();
        long committed = status(jobId, JobStatus.RUNNING);
        Event running = sse.next(WAIT);
        latencies.add(running.receivedNanos() - committed);
        assertEquals("2", running.id());
        assertEquals(
                "running", Json.mapper().readTree(running.data()).get("status").asText());
        for (int step = 1; step <= 5; step++) {
            committed = progress(jobId, step, 5);
            Event progress = sse.next(WAIT);
            latencies.add(progress.receivedNanos() - committed);
            assertEquals(String.valueOf(2 + step), progress.id());
            assertEquals("progress", progress.name());
            assertEquals(
                    step, Json.mapper().readTree(progress.data()).get("step").asInt());
        }
        long[] millis = latencies.stream()
                .mapToLong(n -> Duration.ofNanos(n).toMillis())
                .sorted()
                .toArray();
        System.out.println("commit-to-client latencies (ms): " + Arrays.toString(millis));
        assertTrue(millis[millis.length / 2] <= 100, "median commit-to-client latency " + Arrays.toString(millis));
        assertFalse(sse.isEnded(), "the stream stays open while the job runs");

        status(jobId, JobStatus.SUCCEEDED);
        Event succeeded = sse.next(WAIT);
        assertEquals("8", succeeded.id());
        assertEquals(
                "succeeded",
                Json.mapper().readTree(succeeded.data()).get("status").asText());
        assertTrue(sse.awaitEnd(WAIT), "the stream ends after the terminal status");
        // (the JDK client completes the response of a streamed body once the body has ended)
        assertEquals(200, sse.response(WAIT).statusCode());
        assertTrue(sse.response(WAIT)
                .headers()
                .firstValue("Content-Type")
                .orElse("")
                .startsWith("text/event-stream"));
        assertTrue(sse.drained().isEmpty());
        // the wire format: id, event and data lines, a blank line after each event
        List<String> lines = sse.lines();
        int first = lines.indexOf("id:1");
        assertTrue(first >= 0, "lines: " + lines);
        assertEquals("event:status", lines.get(first + 1));
        assertTrue(lines.get(first + 2).startsWith("data:{"), lines.get(first + 2));
        assertEquals("", lines.get(first + 3));
    }

    @Test
    void lastEventIdReplaysOnlyLaterEvents() throws Exception {
        String jobId = newJob();
        status(jobId, JobStatus.RUNNING);
        progress(jobId, 1, 2);
        status(jobId, JobStatus.FAILED);

        // a finished job: the whole history, then the end
        EventStreamClient all = open(jobId, null);
        assertTrue(all.awaitEnd(WAIT));
        assertEquals(List.of("1 status", "2 status", "3 progress", "4 status"), ids(all.drained()));

        EventStreamClient later = open(jobId, "2");
        assertTrue(later.awaitEnd(WAIT));
        assertEquals(List.of("3 progress", "4 status"), ids(later.drained()));

        EventStreamClient none = open(jobId, "4");
        assertTrue(none.awaitEnd(WAIT), "nothing after the terminal event: the stream ends at once");
        assertEquals(List.of(), ids(none.drained()));

        EventStreamClient beyond = open(jobId, "99999999999");
        assertTrue(beyond.awaitEnd(WAIT));
        assertEquals(List.of(), ids(beyond.drained()));

        // a running job, reconnecting: only what came after, then live
        String live = newJob();
        status(live, JobStatus.RUNNING);
        EventStreamClient resumed = open(live, "1");
        assertEquals("2 status", ids(List.of(resumed.next(WAIT))).get(0));
        progress(live, 1, 1);
        assertEquals("3 progress", ids(List.of(resumed.next(WAIT))).get(0));
        status(live, JobStatus.CANCELLED);
        assertEquals("4 status", ids(List.of(resumed.next(WAIT))).get(0));
        assertTrue(resumed.awaitEnd(WAIT));
    }

    @Test
    void malformedLastEventIdAndOtherTenantsJobsAreProblems() {
        String jobId = newJob();
        for (String bad : List.of("abc", "-1", "1.5", "0x10", "1 2")) {
            as(Tokens.tenant(TENANT))
                    .header("Accept", "text/event-stream")
                    .header("Last-Event-ID", bad)
                    .get("/v1/jobs/" + jobId + "/events")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("type", equalTo("/problems/invalid-request"));
        }
        as(Tokens.tenant(newTenant()))
                .header("Accept", "text/event-stream")
                .get("/v1/jobs/" + jobId + "/events")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/not-found"));
        as(Tokens.tenant(TENANT))
                .header("Accept", "text/event-stream")
                .get("/v1/jobs/job_doesNotExist0000000000/events")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        as(Tokens.tenant(TENANT, List.of("jobs:write")))
                .header("Accept", "text/event-stream")
                .get("/v1/jobs/" + jobId + "/events")
                .then()
                .statusCode(403);
    }

    @Test
    void quietStreamsGetKeepAliveComments() throws Exception {
        String jobId = newJob();
        EventStreamClient sse = open(jobId, null);
        sse.next(WAIT);
        // %test keep-alive is 1 s
        await("a keep-alive comment", Duration.ofSeconds(5), () -> !sse.comments()
                .isEmpty());
        assertEquals(":keep-alive", sse.comments().get(0));
        sse.disconnect();
    }

    @Test
    void manyStreamsHoldNoThreadEachAndEndTogether() throws Exception {
        int jobCount = 10;
        int streamCount = 200;
        List<String> jobIds = new ArrayList<>();
        for (int i = 0; i < jobCount; i++) {
            jobIds.add(newJob());
        }
        int openBefore = streams.openStreams();
        // warm up: the server's and the client's pools have what a handful of calls need
        EventStreamClient warm = open(jobIds.get(0), null);
        warm.next(WAIT);
        warm.disconnect();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        List<EventStreamClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < streamCount; i++) {
                clients.add(open(jobIds.get(i % jobCount), null));
                if (i % 8 == 7) { // a few at a time, as clients arrive, so the count measures streams, not a burst
                    for (EventStreamClient sse : clients.subList(i - 7, i + 1)) {
                        assertEquals("1", sse.next(WAIT).id());
                    }
                }
            }
            followToTheEnd(jobIds, clients, openBefore, threadsBefore);
        } finally {
            clients.forEach(EventStreamClient::disconnect);
        }
    }

    private void followToTheEnd(List<String> jobIds, List<EventStreamClient> clients, int openBefore, int threadsBefore)
            throws Exception {
        int streamCount = clients.size();
        await("every stream registered", WAIT, () -> streams.openStreams() >= openBefore + streamCount);
        int threadsDuring = ManagementFactory.getThreadMXBean().getThreadCount();
        System.out.printf("threads: %d before, %d with %d open streams%n", threadsBefore, threadsDuring, streamCount);
        assertTrue(
                threadsDuring - threadsBefore < 20,
                "threads grew from " + threadsBefore + " to " + threadsDuring + " for " + streamCount + " streams");

        long committed = System.nanoTime();
        for (String jobId : jobIds) {
            status(jobId, JobStatus.SUCCEEDED);
        }
        for (EventStreamClient sse : clients) {
            Event last = sse.next(WAIT);
            assertEquals(
                    "succeeded",
                    Json.mapper().readTree(last.data()).get("status").asText());
            assertTrue(sse.awaitEnd(WAIT));
        }
        System.out.printf(
                "%d streams received the terminal event and ended within %d ms%n",
                streamCount, Duration.ofNanos(System.nanoTime() - committed).toMillis());
        await("every stream released", WAIT, () -> streams.openStreams() == openBefore);
    }

    @Test
    void aClientThatGoesAwayReleasesItsStream() throws Exception {
        String jobId = newJob();
        int before = streams.openStreams();
        EventStreamClient sse = open(jobId, null);
        sse.next(WAIT);
        assertEquals(before + 1, streams.openStreams());
        String metrics = as(Tokens.tenant(TENANT)).get("/q/metrics").asString();
        assertTrue(metrics.contains("aiaas_job_event_streams_open"), "the gauge is exported");
        sse.disconnect();
        await("the stream released", WAIT, () -> streams.openStreams() == before);
        // the job goes on; nothing is sent to the gone client and nothing fails
        status(jobId, JobStatus.RUNNING);
        EventStreamClient again = open(jobId, "1");
        assertEquals("2", again.next(WAIT).id());
        again.disconnect();
    }

    @Test
    void streamsMissNothingWhenTheListenConnectionIsLost() throws Exception {
        String jobId = newJob();
        EventStreamClient sse = open(jobId, null);
        assertEquals("1", sse.next(WAIT).id());
        await("listening", WAIT, streams::listening);

        assertEquals(1, terminateListenConnection(), "one LISTEN connection on this replica");
        // written while the connection is down or being opened again: nobody is notified of these
        status(jobId, JobStatus.RUNNING);
        progress(jobId, 1, 3);
        assertEquals("2", sse.next(WAIT).id());
        assertEquals("3", sse.next(WAIT).id());
        await("listening again", WAIT, streams::listening);
        // and live again afterwards
        progress(jobId, 2, 3);
        assertEquals("4", sse.next(WAIT).id());
        status(jobId, JobStatus.SUCCEEDED);
        assertEquals("5", sse.next(WAIT).id());
        assertTrue(sse.awaitEnd(WAIT));
    }

    private int terminateListenConnection() throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        + " WHERE application_name = '" + JobEventNotifications.APPLICATION_NAME + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private EventStreamClient open(String jobId, String lastEventId) {
        return EventStreamClient.open(
                CLIENT, base.resolve("/v1/jobs/" + jobId + "/events"), Tokens.tenant(TENANT), lastEventId);
    }

    private static List<String> ids(List<Event> events) {
        return events.stream().map(e -> e.id() + " " + e.name()).toList();
    }

    /** The job's status changes in its own transaction, through the event log; returns when it committed. */
    private long status(String jobId, JobStatus status) {
        QuarkusTransaction.requiringNew().run(() -> {
            Job job = jobs.lockForWorker(jobId).orElseThrow();
            job.status = status.wire();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            job.updatedAt = now;
            eventLog.status(job, now);
        });
        return System.nanoTime();
    }

    /** A progress report applied in its own transaction; returns when it committed. */
    private long progress(String jobId, int step, int steps) {
        QuarkusTransaction.requiringNew().run(() -> {
            Job job = jobs.lockForWorker(jobId).orElseThrow();
            job.progress = Json.write(Map.of("step", step, "steps", steps));
            eventLog.progress(job, Instant.now().truncatedTo(ChronoUnit.MILLIS));
        });
        return System.nanoTime();
    }

    /** A queued inline inference job of the test tenant (its event 1: status queued). */
    private static synchronized String newJob() {
        if (!modelReady) {
            createModel(TENANT, "streamed");
            upload(TENANT, "streamed", "application/zip", Archives.zip(Archives.entries(DenseModels.dense(), "")))
                    .statusCode(201);
            modelReady = true;
        }
        return as(Tokens.tenant(TENANT))
                .contentType("application/json")
                .body(Map.of(
                        "type",
                        "inference",
                        "model",
                        "streamed",
                        "inputs",
                        List.of(Map.of(
                                "name", "x", "shape", List.of(1, 3), "datatype", "FP32", "data", List.of(1, 2, 3)))))
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }
}
