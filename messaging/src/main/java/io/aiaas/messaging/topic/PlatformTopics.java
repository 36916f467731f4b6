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

    /**
     * Control records for running jobs (cancel), keyed by job id. Every worker reads all of it from its end, so few
     * partitions and a short retention: a record matters only while its job runs.
     */
    public static final TopicSpec JOB_CONTROL = new TopicSpec(
            Topics.JOB_CONTROL, 3, REPLICAS, Duration.ofHours(1), false, 64 * 1024, Duration.ofMinutes(30));

    public static final List<TopicSpec> ALL = List.of(JOBS, JOB_EVENTS, USAGE, TENANT_EVENTS, JOB_CONTROL);

    private PlatformTopics() {}
}
