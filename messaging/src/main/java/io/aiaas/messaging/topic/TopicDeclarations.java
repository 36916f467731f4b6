package io.aiaas.messaging.topic;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the topics that are missing and leaves those that exist as they are (an operator may have tuned them), so
 * every service can declare what it produces or consumes at start-up, in any order and at the same time. The broker
 * never creates topics on its own ({@code auto.create.topics.enable=false}).
 */
public final class TopicDeclarations {
    private static final Logger LOG = Logger.getLogger(TopicDeclarations.class);
    private static final long TIMEOUT_SECONDS = 15;

    private TopicDeclarations() {}

    /** A topic just created is not at once in every broker's metadata: wait, so the caller can use it right away. */
    private static void awaitVisible(Admin admin, List<String> topics) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!topics.isEmpty()) {
            try {
                admin.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    LOG.warnf("topics %s created but not visible yet", topics);
                    return;
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Declares {@code topics}; returns the names this call created.
     *
     * @throws KafkaException when the cluster cannot be reached or refuses (the caller retries later)
     */
    public static List<String> declare(Admin admin, Collection<TopicSpec> topics) {
        try {
            int brokers = admin.describeCluster()
                    .nodes()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .size();
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (TopicSpec topic : topics) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic.toNewTopic(brokers));
                }
            }
            if (missing.isEmpty()) {
                return List.of();
            }
            CreateTopicsResult result = admin.createTopics(missing);
            List<String> created = new ArrayList<>();
            for (NewTopic topic : missing) {
                try {
                    result.values().get(topic.name()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    created.add(topic.name());
                    LOG.infof(
                            "created topic %s (%d partitions, replication %d)",
                            topic.name(), topic.numPartitions(), topic.replicationFactor());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    // another service declared it meanwhile
                }
            }
            awaitVisible(admin, created);
            return created;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k
                    ? k
                    : new KafkaException("cannot declare topics: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("cannot declare topics: the cluster did not answer in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while declaring topics", e);
        }
    }
}
