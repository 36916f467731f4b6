package io.aiaas.messaging;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The settings of every Kafka client of the platform, in one place. Each method returns a fresh, mutable map, so a
 * caller may add what is particular to it (say {@code max.poll.records}) without touching the shared defaults.
 *
 * <p>Producers write {@code String} keys and values (JSON); consumers read {@code String} keys and {@code byte[]}
 * values, so no record can fail deserialisation inside {@code poll()} and block its partition: decoding is the
 * {@link io.aiaas.messaging.consumer.ConsumerLoop}'s job, where an unreadable record is logged and skipped.
 */
public final class KafkaSettings {
    /**
     * The largest record: the broker's {@code message.max.bytes} (deploy/infra's {@code KafkaServer}) and the topics'
     * {@code max.message.bytes} for inline job data; the largest plan's {@code maxRequestBytes} plus envelope.
     */
    public static final int MAX_RECORD_BYTES = 41_943_040;

    /** A send to an unreachable broker fails after this long instead of hanging (metadata wait, buffer full). */
    static final int MAX_BLOCK_MS = 5_000;

    static final int REQUEST_TIMEOUT_MS = 5_000;
    /** Upper bound from {@code send()} to a failed future: retries included. */
    static final int DELIVERY_TIMEOUT_MS = 10_000;
    /** Transactional producers wait longer: committing a transaction with a large result must not time out. */
    static final int TRANSACTIONAL_MAX_BLOCK_MS = 15_000;

    static final int CONSUMER_API_TIMEOUT_MS = 15_000;

    private final String bootstrapServers;

    /** @param bootstrapServers {@code host:port[,host:port…]} ({@code AIAAS_KAFKA_BOOTSTRAP}) */
    public KafkaSettings(String bootstrapServers) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Idempotent, {@code acks=all}, records up to {@link #MAX_RECORD_BYTES}; a dead broker fails sends in seconds. */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }

    /**
     * A producer on the online-prediction path (requests and replies as {@code byte[]}): those records need no
     * durability beyond the call they serve, so the leader's acknowledgement is enough ({@code acks=1}), without
     * idempotence, and a failed send fails within the call's deadline rather than being retried for long.
     */
    public Map<String, Object> latencyProducer(String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.RETRIES_CONFIG, 1);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }

    /**
     * A consumer on the online-prediction path: it reads uncommitted records (no transactions there) and returns a
     * fetch as soon as one byte waits. With {@code groupId} null it has no group (the caller assigns partitions);
     * with one, the group commits offsets automatically, since a request lost in a rebalance only runs into its
     * deadline.
     */
    public Map<String, Object> latencyConsumer(String groupId, String clientId) {
        Map<String, Object> props = consumer(clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
        }
        return props;
    }

    /**
     * A producer for Kafka transactions (records that appear together or not at all, with consumed offsets).
     *
     * @param transactionalId stable across restarts of the same producer, so a restarted one fences its zombie
     */
    public Map<String, Object> transactionalProducer(String clientId, String transactionalId) {
        Map<String, Object> props = producer(clientId);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Objects.requireNonNull(transactionalId));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, TRANSACTIONAL_MAX_BLOCK_MS);
        return props;
    }

    /**
     * A member of consumer group {@code groupId}: sees only committed transactions ({@code read_committed}), commits
     * offsets by hand, and a new group starts at the beginning of its topics (nothing published is skipped).
     */
    public Map<String, Object> groupConsumer(String groupId, String clientId) {
        Map<String, Object> props = consumer(clientId);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, Objects.requireNonNull(groupId));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return props;
    }

    /**
     * A consumer without a group, for reading every partition of a topic from its end (every replica sees every
     * record); it never commits.
     */
    public Map<String, Object> broadcastConsumer(String clientId) {
        Map<String, Object> props = consumer(clientId);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        return props;
    }

    /** An admin client whose calls fail within seconds when the cluster does not answer. */
    public Map<String, Object> admin(String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2 * REQUEST_TIMEOUT_MS);
        return props;
    }

    private Map<String, Object> consumer(String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_RECORD_BYTES);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, MAX_RECORD_BYTES);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, CONSUMER_API_TIMEOUT_MS);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    private Map<String, Object> common(String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, Objects.requireNonNull(clientId));
        return props;
    }
}
