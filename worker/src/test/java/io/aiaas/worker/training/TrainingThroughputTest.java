package io.aiaas.worker.training;

import static io.aiaas.worker.training.TrainingFixtures.adam;
import static io.aiaas.worker.training.TrainingFixtures.dense;
import static io.aiaas.worker.training.TrainingFixtures.flat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Loss;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Training speed of the 784-64-64-10 MLP at batch 32 on 6,000 random rows, seeded (one thread), Adam. Off by default;
 * run it with {@code -Dtest=TrainingThroughputTest -Daiaas.bench.training=true}. It prints examples per second of each
 * epoch after the first (which warms up), and their median.
 */
@EnabledIfSystemProperty(named = "aiaas.bench.training", matches = "true")
class TrainingThroughputTest {
    @Test
    void mlpAtBatch32() {
        int rows = 6_000;
        int features = 784;
        Random random = new Random(1);
        float[] x = new float[rows * features];
        long[] labels = new long[rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(10);
        }
        int epochs = 11;
        TrainingPlan plan = flat(
                features,
                List.of(dense(64, Activation.RELU), dense(64, Activation.RELU), dense(10, Activation.SOFTMAX)),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                adam(0.001),
                epochs,
                32,
                0,
                1);
        List<Long> ends = new ArrayList<>();
        ends.add(System.nanoTime());
        TrainingResult result = new Trainer(1)
                .run(
                        plan,
                        new TrainingData(rows, features, x, labels),
                        null,
                        p -> {
                            if (p.epochEnd()) {
                                ends.add(System.nanoTime());
                            }
                        },
                        null,
                        null);
        assertEquals((long) epochs * rows, result.examples());
        List<Long> perSecond = new ArrayList<>();
        for (int e = 2; e <= epochs; e++) {
            perSecond.add(Math.round(rows / ((ends.get(e) - ends.get(e - 1)) / 1e9)));
        }
        List<Long> sorted = perSecond.stream().sorted().toList();
        System.out.println("784-64-64-10 at batch 32, examples/s per epoch after the first: " + perSecond + ", median "
                + sorted.get(sorted.size() / 2) + "; whole run " + result.computeMillis() + " ms");
    }
}
