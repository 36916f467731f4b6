package io.aiaas.messaging.topic;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * What a topic is when the platform creates it.
 *
 * @param partitions bounds the consumers of one group that work in parallel, and spreads keys
 * @param replicationFactor the wish; capped by the number of brokers when declared
 * @param retention how long records are kept
 * @param compacted {@code cleanup.policy=compact} (keep the last record per key) instead of {@code delete}
 * @param maxMessageBytes the largest record the topic accepts
 * @param segment how often a segment rolls; retention deletes whole closed segments only, so a short retention needs
 *     short segments to mean anything
 */
public record TopicSpec(
        String name,
        int partitions,
        short replicationFactor,
        Duration retention,
        boolean compacted,
        int maxMessageBytes,
        Duration segment) {

    public TopicSpec {
        Objects.requireNonNull(name);
        if (partitions < 1 || replicationFactor < 1 || maxMessageBytes < 1) {
            throw new IllegalArgumentException("partitions, replication factor and record size must be positive");
        }
    }

    /** The topic as it is created on a cluster of {@code brokers} brokers. */
    public NewTopic toNewTopic(int brokers) {
        short replicas = (short) Math.max(1, Math.min(replicationFactor, brokers));
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
        configs.put(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                compacted ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE);
        configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes));
        configs.put(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(segment.toMillis()));
        // With three replicas an acks=all write survives one broker down; with fewer there is nothing to spare.
        configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.max(1, replicas - 1)));
        return new NewTopic(name, partitions, replicas).configs(configs);
    }
}
