package io.aiaas.model.messaging;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The job-event consumer once died silently when a commit failed. Now a commit failure (here: the database held an
 * event longer than {@code max.poll.interval.ms}, so the group moved on) restarts it, readiness shows DOWN meanwhile,
 * and the redelivered event changes nothing twice.
 */
@QuarkusTest
@TestProfile(JobEventConsumerRecoveryTest.ShortPollInterval.class)
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class JobEventConsumerRecoveryTest extends ApiTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** A short poll interval, so a blocked batch makes the commit fail within seconds. */
    public static class ShortPollInterval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "aiaas.model.job-events.max-poll-interval", "2s",
                    "aiaas.model.job-events.retry-backoff", "1s",
                    "aiaas.model.job-events.group-id", "recovery-" + UUID.randomUUID());
        }
    }

    @Inject
    DataSource dataSource;

    @Inject
    KafkaSettings settings;

    @Test
    void aFailedCommitRestartsTheConsumerAndReadinessShowsIt() throws Exception {
        String tenant = newTenant();
        createModel(tenant, "recovery");
        upload(tenant, "recovery", "application/zip", Archives.zip(Archives.entries(DenseModels.dense(), "")))
                .statusCode(201);
        String jobId = as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of(
                        "type", "inference",
                        "model", "recovery",
                        "inputs",
                                List.of(Map.of(
                                        "name",
                                        "x",
                                        "shape",
                                        List.of(1, 3),
                                        "datatype",
                                        "FP32",
                                        "data",
                                        List.of(1, 2, 3)))))
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        await("readiness UP", WAIT, () -> RestAssured.get("/q/health/ready").statusCode() == 200);

        List<Integer> readiness = new ArrayList<>();
        try (Connection blocker = dataSource.getConnection()) {
            blocker.setAutoCommit(false);
            try (PreparedStatement lock = blocker.prepareStatement("SELECT id FROM job WHERE id = ? FOR UPDATE")) {
                lock.setString(1, jobId);
                lock.executeQuery().close();
            }
            publish(event(jobId, tenant, JobStatus.SUCCEEDED));
            // The consumer waits on the row lock past max.poll.interval.ms: the group evicts it.
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < until) {
                readiness.add(RestAssured.get("/q/health/ready").statusCode());
                Thread.sleep(100);
            }
            blocker.commit();
        }
        // Its commit fails now; it restarts, shows DOWN meanwhile, and comes back UP.
        await("readiness DOWN after the failed commit", WAIT, () -> {
            int status = RestAssured.get("/q/health/ready").statusCode();
            readiness.add(status);
            return status == 503;
        });
        RestAssured.get("/q/health/ready")
                .then()
                .body(
                        "checks.find { it.name == 'job-events-consumer' }.data.lastFailure",
                        equalTo("consumer failed: CommitFailedException"));
        await(
                "readiness UP again",
                WAIT,
                () -> RestAssured.get("/q/health/ready").statusCode() == 200);
        RestAssured.get("/q/health/ready")
                .then()
                .body("checks.find { it.name == 'job-events-consumer' }.data.restarts", greaterThanOrEqualTo(1));

        // The redelivered event was applied once: the job's log holds queued and one succeeded.
        await("the job to succeed", WAIT, () -> "succeeded"
                .equals(as(Tokens.tenant(tenant))
                        .get("/v1/jobs/" + jobId)
                        .then()
                        .extract()
                        .path("status")));
        assertEquals(2, loggedEvents(jobId));
        // A failure published later (a redelivery of an older attempt's result, say) changes nothing.
        publish(new JobEvent(
                jobId + "-1-2",
                jobId,
                tenant,
                1,
                JobStatus.FAILED,
                null,
                null,
                null,
                null,
                "worker-test",
                Instant.now()));
        Thread.sleep(1000);
        as(Tokens.tenant(tenant)).get("/v1/jobs/" + jobId).then().body("status", equalTo("succeeded"));
        assertEquals(2, loggedEvents(jobId));
        assertTrue(readiness.contains(503), "readiness went DOWN while the consumer could not consume");
    }

    private long loggedEvents(String jobId) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM job_event WHERE job_id = ?")) {
            s.setString(1, jobId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static JobEvent event(String jobId, String tenant, JobStatus status) {
        return new JobEvent(
                jobId + "-1-1", jobId, tenant, 1, status, null, null, null, null, "worker-test", Instant.now());
    }

    private void publish(JobEvent event) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings.producer("test-worker"))) {
            producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, event.jobId(), Json.write(event)))
                    .get();
        }
    }
}
