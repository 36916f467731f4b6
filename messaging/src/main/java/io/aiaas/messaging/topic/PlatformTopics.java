package io.aiaas.messaging.topic;

import io.aiaas.common.events.Topics;
import io.aiaas.messaging.KafkaSettings;
import java.time.Duration;
import java.util.List;

/**
 * Every platform topic as it is declared. The names live in {@link Topics}; what a topic is (partitions, retention,
 * record size) lives here, once, so whichever service starts first creates it the same way.
 */
public final class PlatformTopics {
    private static final short REPLICAS = 3;

    /**
     * Job requests, keyed by job id. Partitions bound how many workers of the group run jobs at once; inline inputs
     * travel in the record, so it takes the largest record.
     */
    public static final TopicSpec JOBS = new TopicSpec(
            Topics.JOBS, 12, REPLICAS, Duration.ofDays(7), false, KafkaSettings.MAX_RECORD_BYTES, Duration.ofDays(1));

    /** Job status, progress and results (inline results travel in the record), keyed by job id. */
    public static final TopicSpec JOB_EVENTS = new TopicSpec(
            Topics.JOB_EVENTS,
            6,
            REPLICAS,
            Duration.ofDays(7),
            false,
            KafkaSettings.MAX_RECORD_BYTES,
            Duration.ofDays(1));

    /** Usage CloudEvents for billing, keyed by tenant id: kept a month, so billing can re-read a late period. */
    public static final TopicSpec USAGE =
            new TopicSpec(Topics.USAGE, 6, REPLICAS, Duration.ofDays(30), false, 1024 * 1024, Duration.ofDays(1));

    /**
     * Tenant events and the outbox relay's heartbeats, keyed by tenant id. Readers start from the end and the relay
     * writes a heartbeat to every partition several times a second, so few partitions, a short retention and short
     * segments (retention only deletes closed segments).
     */
    public static final TopicSpec TENANT_EVENTS = new TopicSpec(
            Topics.TENANT_EVENTS, 3, REPLICAS, Duration.ofHours(6), false, 64 * 1024, Duration.ofMinutes(30));

    /** Jobs that failed on every attempt, keyed by job id: small records, kept a week for inspection. */
    public static final TopicSpec JOB_DEAD_LETTERS = new TopicSpec(
            Topics.JOB_DEAD_LETTERS, 3, REPLICAS, Duration.ofDays(7), false, 64 * 1024, Duration.ofDays(1));

    /**
     * Cancellations for workers, keyed by job id. Workers read it from the end and the heartbeat answer repeats every
     * pending cancel, so an hour is plenty.
     */
    public static final TopicSpec JOB_CONTROL = new TopicSpec(
            Topics.JOB_CONTROL, 3, REPLICAS, Duration.ofHours(1), false, 64 * 1024, Duration.ofMinutes(10));

    /**
     * Online prediction requests, keyed by model version. A request lives no longer than its deadline (seconds), so
     * ten minutes of retention is only for inspection; partitions bound how many workers serve predictions at once.
     */
    public static final TopicSpec PREDICT_REQUESTS = new TopicSpec(
            Topics.PREDICT_REQUESTS,
            12,
            REPLICAS,
            Duration.ofMinutes(10),
            false,
            KafkaSettings.MAX_RECORD_BYTES,
            Duration.ofMinutes(5));

    /** Online prediction replies: one partition per gateway replica at most, so as many as gateway replicas may be. */
    public static final TopicSpec PREDICT_REPLIES = new TopicSpec(
            Topics.PREDICT_REPLIES,
            12,
            REPLICAS,
            Duration.ofMinutes(10),
            false,
            KafkaSettings.MAX_RECORD_BYTES,
            Duration.ofMinutes(5));

    /** Model, version and alias changes, keyed by model id; readers start from the end, so a day is plenty. */
    public static final TopicSpec MODEL_EVENTS =
            new TopicSpec(Topics.MODEL_EVENTS, 3, REPLICAS, Duration.ofDays(1), false, 64 * 1024, Duration.ofHours(1));

    /**
     * Audit records for tenant-service's audit trail, keyed by tenant id: small records, kept a week so that a
     * tenant-service down for days still stores every one.
     */
    public static final TopicSpec AUDIT =
            new TopicSpec(Topics.AUDIT, 3, REPLICAS, Duration.ofDays(7), false, 64 * 1024, Duration.ofDays(1));

    public static final List<TopicSpec> ALL = List.of(
            JOBS,
            JOB_EVENTS,
            USAGE,
            TENANT_EVENTS,
            JOB_DEAD_LETTERS,
            JOB_CONTROL,
            PREDICT_REQUESTS,
            PREDICT_REPLIES,
            MODEL_EVENTS,
            AUDIT);

    private PlatformTopics() {}
}
