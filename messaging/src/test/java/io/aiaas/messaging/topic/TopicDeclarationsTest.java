package io.aiaas.messaging.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.support.TestInfra;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class TopicDeclarationsTest {

    @Test
    void createsWhatIsMissingAsDeclaredAndLeavesWhatExists() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        TopicSpec fresh = new TopicSpec(
                TestInfra.unique("declared"),
                4,
                (short) 3,
                Duration.ofHours(2),
                false,
                2 * 1024 * 1024,
                Duration.ofMinutes(10));
        TopicSpec compacted = new TopicSpec(
                TestInfra.unique("compacted"), 2, (short) 1, Duration.ofDays(1), true, 1024, Duration.ofHours(1));
        String existing = TestInfra.unique("existing");
        try (Admin admin = Admin.create(settings.admin("test-admin"))) {
            admin.createTopics(List.of(new NewTopic(existing, 2, (short) 1)))
                    .all()
                    .get();
            TopicSpec existingSpec =
                    new TopicSpec(existing, 6, (short) 1, Duration.ofDays(1), false, 1024, Duration.ofHours(1));

            assertEquals(
                    List.of(fresh.name(), compacted.name()),
                    TopicDeclarations.declare(admin, List.of(fresh, compacted, existingSpec)));
            // A second declaration (another service starting) changes nothing.
            assertEquals(List.of(), TopicDeclarations.declare(admin, List.of(fresh, compacted, existingSpec)));

            Map<String, TopicDescription> topics = admin.describeTopics(List.of(fresh.name(), existing))
                    .allTopicNames()
                    .get();
            assertEquals(4, topics.get(fresh.name()).partitions().size());
            assertEquals(
                    1,
                    topics.get(fresh.name()).partitions().get(0).replicas().size(),
                    "replication capped by the one broker");
            assertEquals(2, topics.get(existing).partitions().size(), "an existing topic is left as it is");

            Config config = config(admin, fresh.name());
            assertEquals("7200000", config.get("retention.ms").value());
            assertEquals("delete", config.get("cleanup.policy").value());
            assertEquals(
                    Integer.toString(2 * 1024 * 1024),
                    config.get("max.message.bytes").value());
            assertEquals("600000", config.get("segment.ms").value());
            assertEquals(
                    "compact",
                    config(admin, compacted.name()).get("cleanup.policy").value());
        }
    }

    @Test
    void theBrokerCreatesNoTopicOnItsOwn() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String undeclared = TestInfra.unique("undeclared");
        Map<String, Object> props = settings.producer("test-producer");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1500);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            ExecutionException refused = assertThrows(
                    ExecutionException.class, () -> producer.send(new ProducerRecord<>(undeclared, "k", "v"))
                            .get());
            assertInstanceOf(TimeoutException.class, refused.getCause());
        }
        try (Admin admin = Admin.create(settings.admin("test-admin"))) {
            assertFalse(admin.listTopics().names().get().contains(undeclared));
        }
    }

    @Test
    void everyPlatformTopicIsDeclaredWithTheRecordSizeItCarries() {
        assertEquals(10, PlatformTopics.ALL.size());
        assertEquals(java.time.Duration.ofDays(7), PlatformTopics.AUDIT.retention());
        // an online prediction's inputs and outputs travel inside its records, bounded by maxRequestBytes
        assertEquals(KafkaSettings.MAX_RECORD_BYTES, PlatformTopics.PREDICT_REQUESTS.maxMessageBytes());
        assertEquals(KafkaSettings.MAX_RECORD_BYTES, PlatformTopics.PREDICT_REPLIES.maxMessageBytes());
        assertEquals(java.time.Duration.ofMinutes(10), PlatformTopics.PREDICT_REQUESTS.retention());
        assertEquals(3, PlatformTopics.MODEL_EVENTS.partitions());
        assertEquals(3, PlatformTopics.JOB_CONTROL.partitions());
        assertEquals(java.time.Duration.ofHours(1), PlatformTopics.JOB_CONTROL.retention());
        assertEquals(java.time.Duration.ofDays(7), PlatformTopics.JOB_DEAD_LETTERS.retention());
        assertEquals(KafkaSettings.MAX_RECORD_BYTES, PlatformTopics.JOBS.maxMessageBytes(), "inline job inputs");
        assertEquals(KafkaSettings.MAX_RECORD_BYTES, PlatformTopics.JOB_EVENTS.maxMessageBytes(), "inline results");
        NewTopic onThreeBrokers = PlatformTopics.TENANT_EVENTS.toNewTopic(3);
        assertEquals(3, onThreeBrokers.replicationFactor());
        assertEquals("2", onThreeBrokers.configs().get("min.insync.replicas"));
    }

    @Test
    void theRecordLimitIsTheBrokers() throws Exception {
        try (Admin admin = Admin.create(TestInfra.settings().admin("test-admin"))) {
            String broker =
                    admin.describeCluster().nodes().get().iterator().next().idString();
            ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, broker);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertEquals(
                    Integer.toString(KafkaSettings.MAX_RECORD_BYTES),
                    config.get("message.max.bytes").value(),
                    "producers may send what the broker accepts, no more");
        }
    }

    private static Config config(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }
}
