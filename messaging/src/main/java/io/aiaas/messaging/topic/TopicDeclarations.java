package io.aiaas.messaging.topic;

import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
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

    /**
     * What a service calls at start-up: declares {@code topics} now if the cluster answers, else keeps trying in the
     * background (with {@code backoff}) so the service starts anyway; its consumers and relays wait for the topics
     * on their own. Returns whether the topics were declared before returning.
     */
    public static boolean declareAtStartup(KafkaSettings settings, Collection<TopicSpec> topics, Backoff backoff) {
        List<TopicSpec> wanted = List.copyOf(topics);
        if (tryDeclare(settings, wanted)) {
            return true;
        }
        Thread retry = new Thread(
                () -> {
                    for (int attempt = 1; !tryDeclare(settings, wanted); attempt++) {
                        try {
                            Thread.sleep(backoff.after(attempt).toMillis());
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "aiaas-topic-declarations");
        retry.setDaemon(true);
        retry.start();
        return false;
    }

    private static boolean tryDeclare(KafkaSettings settings, List<TopicSpec> topics) {
        try (Admin admin = Admin.create(settings.admin("aiaas-topic-declarations"))) {
            declare(admin, topics);
            return true;
        } catch (KafkaException e) {
            LOG.warnf(
                    "cannot declare topics %s yet (%s); retrying",
                    topics.stream().map(TopicSpec::name).toList(), e.getMessage());
            return false;
        }
    }

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
