package io.aiaas.worker.messaging;

import io.aiaas.common.events.ModelEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.common.predict.PredictWire;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.messaging.topic.PlatformTopics;
import io.aiaas.messaging.topic.TopicDeclarations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The gateway's side of online predictions in the worker's tests: requests produced as a gateway does (key
 * {@code <modelId>/<version>}, the default partitioner, headers), replies read from the reply partition the requests
 * name, model events published as model-service's outbox does.
 */
final class PredictTopics {
    /** The reply partition these tests' requests name. */
    static final int REPLY_PARTITION = 5;

    private static KafkaProducer<String, byte[]> producer;
    private static KafkaProducer<String, String> events;
    private static KafkaConsumer<String, byte[]> replies;
    private static final Map<String, ConsumerRecord<String, byte[]>> received = new ConcurrentHashMap<>();

    private PredictTopics() {}

    static synchronized void setUp() throws Exception {
        if (producer != null) {
            return;
        }
        String bootstrap = InfraTestResource.kafkaBootstrap();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicDeclarations.declare(
                    admin,
                    List.of(
                            PlatformTopics.PREDICT_REQUESTS,
                            PlatformTopics.PREDICT_REPLIES,
                            PlatformTopics.MODEL_EVENTS));
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        // what is sent together goes in one produce request, as concurrent gateway calls do under load
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer = new KafkaProducer<>(p);

        Properties e = new Properties();
        e.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        e.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        e.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        events = new KafkaProducer<>(e);

        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        replies = new KafkaConsumer<>(c);
        TopicPartition mine = new TopicPartition(Topics.PREDICT_REPLIES, REPLY_PARTITION);
        replies.assign(List.of(mine));
        replies.seekToEnd(List.of(mine));
        replies.position(mine);
    }

    /** A request of one or more rows of x (FP32 [rows, width]) for version 1 of {@code modelId}. */
    static PredictRequest request(String modelId, Duration deadline, float[][] rows) {
        int width = rows.length == 0 ? 3 : rows[0].length;
        float[] flat = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * width, width);
        }
        InputTensor x = new InputTensor("x", Datatype.FP32, new long[] {rows.length, width}, flat);
        return new PredictRequest(
                "req_" + Ids.randomBase62(12),
                "tnt_predict",
                modelId,
                1,
                "serving_default",
                Instant.now().plus(deadline).toEpochMilli(),
                REPLY_PARTITION,
                List.of(x),
                List.of());
    }

    static Future<RecordMetadata> send(PredictRequest request) {
        return sendRaw(request.partitionKey(), PredictWire.encode(request), request.requestId());
    }

    static Future<RecordMetadata> sendRaw(String key, byte[] value, String requestId) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.PREDICT_REQUESTS, key, value);
        record.headers().add(Topics.HEADER_REQUEST_ID, requestId.getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_TRACEPARENT, JobTopics.TRACEPARENT.getBytes(StandardCharsets.UTF_8));
        return producer.send(record);
    }

    static void flush() {
        producer.flush();
    }

    static void publish(ModelEvent event) throws Exception {
        events.send(new ProducerRecord<>(Topics.MODEL_EVENTS, event.modelId(), Json.write(event)))
                .get();
    }

    static ModelEvent versionEvent(String type, String modelId, int version) {
        return new ModelEvent(
                "evt_" + Ids.randomBase62(10), type, null, modelId, modelId, version, null, Instant.now());
    }

    static synchronized void poll(Duration duration) {
        for (ConsumerRecord<String, byte[]> record : replies.poll(duration)) {
            received.put(record.key(), record);
        }
    }

    static PredictReply reply(String requestId) {
        ConsumerRecord<String, byte[]> record = received.get(requestId);
        return record == null ? null : PredictWire.decodeReply(record.value());
    }

    static ConsumerRecord<String, byte[]> replyRecord(String requestId) {
        return received.get(requestId);
    }

    /** Waits for a reply to each request, failing after {@code wait}. */
    static List<PredictReply> awaitReplies(List<PredictRequest> requests, Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        while (true) {
            List<PredictReply> out = new ArrayList<>();
            for (PredictRequest request : requests) {
                PredictReply reply = reply(request.requestId());
                if (reply != null) {
                    out.add(reply);
                }
            }
            if (out.size() == requests.size()) {
                return out;
            }
            if (System.nanoTime() > until) {
                throw new AssertionError(
                        out.size() + " of " + requests.size() + " replies within " + wait + " for " + requests.get(0));
            }
            poll(Duration.ofMillis(20));
        }
    }

    static PredictReply awaitReply(PredictRequest request, Duration wait) {
        return awaitReplies(List.of(request), wait).get(0);
    }

    /**
     * Exports y = check_numerics(x)·W + b: TensorFlow refuses (invalid argument) an input holding NaN or infinity
     * while the signature accepts it, as a model may refuse values no signature describes.
     */
    static void exportChecked(Path dir, float[][] weights, float[] bias) {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x = tf.withName("x")
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, weights.length)));
            Operand<TFloat32> checked = tf.debugging.checkNumerics(x, "x holds NaN or infinity");
            Variable<TFloat32> w = tf.withName("W").variable(tf.constant(weights));
            Variable<TFloat32> b = tf.withName("b").variable(tf.constant(bias));
            Operand<TFloat32> y = tf.withName("y").math.add(tf.linalg.matMul(checked, w), b);
            Signature signature = Signature.builder()
                    .key("serving_default")
                    .input("x", x)
                    .output("y", y)
                    .build();
            try (Session session = new Session(graph)) {
                session.initialize();
                SavedModelBundle.exporter(dir.toString())
                        .withTags(SavedModelBundle.DEFAULT_TAG)
                        .withSession(session)
                        .withSignature(signature)
                        .export();
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
