package io.aiaas.worker.training;

import static io.aiaas.worker.training.TrainingFixtures.adam;
import static io.aiaas.worker.training.TrainingFixtures.dense;
import static io.aiaas.worker.training.TrainingFixtures.flat;
import static io.aiaas.worker.training.TrainingFixtures.rmsprop;
import static io.aiaas.worker.training.TrainingFixtures.sgd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Conv2d;
import io.aiaas.common.training.TrainingPlan.Dropout;
import io.aiaas.common.training.TrainingPlan.Flatten;
import io.aiaas.common.training.TrainingPlan.Loss;
import io.aiaas.common.training.TrainingPlan.MaxPool2d;
import io.aiaas.common.training.TrainingPlan.Optimizer;
import io.aiaas.common.training.TrainingPlan.Padding;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Whole runs on small synthetic data: it learns, repeats when seeded, reports progress, and stops when told. */
class TrainerTest {
    private final Trainer trainer = new Trainer(1);

    static TrainingPlan mlp(int epochs, boolean dropout) {
        List<TrainingPlan.Layer> layers = new ArrayList<>();
        layers.add(dense(16, Activation.RELU));
        if (dropout) {
            layers.add(new Dropout(0.3));
        }
        layers.add(dense(3, Activation.SOFTMAX));
        return flat(20, layers, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, adam(0.01), epochs, 32, 0.2, 42);
    }

    static TrainingPlan cnn(int epochs) {
        return new TrainingPlan(
                64,
                List.of(8, 8, 1),
                List.of(
                        new Conv2d(4, 3, 3, 1, 1, Padding.VALID, Activation.RELU),
                        new MaxPool2d(2, 2),
                        new Flatten(),
                        dense(2, Activation.SOFTMAX)),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                adam(0.01),
                epochs,
                16,
                0.25,
                3,
                true,
                100);
    }

    private TrainingResult train(TrainingPlan plan, TrainingData data) {
        return trainer.run(plan, data, null, null, null, null);
    }

    @Test
    void aDenseNetworkLearnsSeparableClasses() {
        TrainingResult result = train(mlp(5, false), TrainingFixtures.clusters(600, 20, 3, 1));

        assertFalse(result.stopped());
        assertEquals(5, result.history().size());
        EpochMetrics last = result.finalMetrics();
        assertTrue(last.valAccuracy() > 0.95, "validation accuracy " + last.valAccuracy());
        assertTrue(last.loss() < result.history().get(0).loss(), "the loss falls: " + result.history());
        assertEquals(5 * 480, result.examples(), "480 training rows a epoch");
        assertEquals(5 * 120, result.validationExamples(), "the last 120 rows are held out");
    }

    @Test
    void aConvolutionalNetworkTellsHorizontalFromVerticalBars() {
        TrainingResult result = train(cnn(8), TrainingFixtures.bars(400, 5));

        EpochMetrics last = result.finalMetrics();
        assertTrue(last.valAccuracy() > 0.95, "validation accuracy " + last.valAccuracy() + " in " + result.history());
    }

    @Test
    void aNetworkWithDropoutLearns() {
        TrainingResult result = train(mlp(5, true), TrainingFixtures.clusters(600, 20, 3, 1));

        assertTrue(result.finalMetrics().valAccuracy() > 0.95, "validation accuracy " + result.finalMetrics());
    }

    @Test
    void seededRunsRepeatBitForBit() {
        TrainingData data = TrainingFixtures.clusters(200, 20, 3, 9);
        TrainingResult first = train(mlp(2, true), data);
        TrainingResult second = train(mlp(2, true), data);

        assertEquals(first.history(), second.history());
        for (int i = 0; i < first.network().weights().size(); i++) {
            assertArrayEquals(
                    first.network().weights().get(i), second.network().weights().get(i), "weights " + i);
        }
    }

    @Test
    void anotherSeedTrainsOtherWeights() {
        TrainingData data = TrainingFixtures.clusters(200, 20, 3, 9);
        TrainingPlan plan = mlp(1, false);
        TrainingPlan reseeded = new TrainingPlan(
                plan.features(),
                plan.inputShape(),
                plan.layers(),
                plan.loss(),
                plan.optimizer(),
                plan.epochs(),
                plan.batchSize(),
                plan.validationSplit(),
                plan.seed() + 1,
                true,
                plan.progressEverySteps());

        float[] a = train(plan, data).network().weights().get(0);
        float[] b = train(reseeded, data).network().weights().get(0);
        assertFalse(java.util.Arrays.equals(a, b));
    }

    static Stream<Arguments> lossesAndOptimizers() {
        List<Optimizer> optimizers = List.of(adam(0.01), sgd(0.1, 0), sgd(0.05, 0.9), rmsprop(0.01));
        List<Arguments> out = new ArrayList<>();
        for (Optimizer optimizer : optimizers) {
            out.add(Arguments.of(Loss.SPARSE_CATEGORICAL_CROSSENTROPY, dense(3, Activation.SOFTMAX), optimizer));
            out.add(Arguments.of(Loss.CATEGORICAL_CROSSENTROPY, dense(3, Activation.SOFTMAX), optimizer));
            out.add(Arguments.of(Loss.BINARY_CROSSENTROPY, dense(1, Activation.SIGMOID), optimizer));
            out.add(Arguments.of(Loss.MEAN_SQUARED_ERROR, dense(1, Activation.LINEAR), optimizer));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} with {2}")
    @MethodSource("lossesAndOptimizers")
    void everyLossAndOptimizerLowersTheLoss(Loss loss, TrainingPlan.Dense output, Optimizer optimizer) {
        int classes = output.units() == 1 ? 2 : 3;
        TrainingData data = TrainingFixtures.clusters(240, 6, classes, 4);
        TrainingPlan plan = flat(6, List.of(dense(8, Activation.TANH), output), loss, optimizer, 8, 16, 0.25, 11);

        TrainingResult result = train(plan, data);

        List<EpochMetrics> history = result.history();
        for (EpochMetrics m : history) {
            assertTrue(Double.isFinite(m.loss()) && Double.isFinite(m.valLoss()), "finite: " + history);
        }
        EpochMetrics last = history.get(history.size() - 1);
        assertTrue(last.loss() < history.get(0).loss(), "the loss falls: " + history);
        assertTrue(last.valAccuracy() > 0.8, "it learns: " + history);
    }

    @Test
    void progressComesEveryFewStepsAndAtEachEpochsEnd() {
        // 100 rows, 20 held out: 80 training rows in 10 steps of 8; progress every 4 steps
        TrainingPlan plan = TrainingFixtures.withProgressEvery(
                flat(
                        5,
                        List.of(dense(3, Activation.SOFTMAX)),
                        Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                        adam(0.01),
                        2,
                        8,
                        0.2,
                        1),
                4);
        List<TrainingProgress> events = new ArrayList<>();

        TrainingResult result =
                trainer.run(plan, TrainingFixtures.clusters(100, 5, 3, 2), null, events::add, null, null);

        assertEquals(
                List.of("1:4", "1:8", "1:10 end", "2:4", "2:8", "2:10 end"),
                events.stream()
                        .map(e -> e.epoch() + ":" + e.step() + (e.epochEnd() ? " end" : ""))
                        .toList());
        for (TrainingProgress e : events) {
            assertEquals(2, e.epochs());
            assertEquals(10, e.steps());
            assertEquals(e.epochEnd(), e.valLoss() != null, "validation metrics come at an epoch's end");
        }
        TrainingProgress end = events.get(5);
        EpochMetrics last = result.finalMetrics();
        assertEquals(
                List.of(last.loss(), last.accuracy(), last.valLoss(), last.valAccuracy()),
                List.of(end.loss(), end.accuracy(), end.valLoss(), end.valAccuracy()));
    }

    @Test
    void theLastRowsAreHeldOutAsKerasCutsThem() {
        // 10 rows at 0.25: Keras trains on the first floor(10 × 0.75) = 7 and validates on the last 3
        TrainingPlan plan = flat(
                5,
                List.of(dense(3, Activation.SOFTMAX)),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                adam(0.01),
                2,
                4,
                0.25,
                1);

        TrainingResult result = train(plan, TrainingFixtures.clusters(10, 5, 3, 2));

        assertEquals(2 * 7, result.examples());
        assertEquals(2 * 3, result.validationExamples());
    }

    @Test
    void aStopFlagSetMidEpochStopsBeforeTheNextStep() {
        // 480 training rows in 15 steps of 32; the flag goes up when step 5 reports
        TrainingPlan plan = TrainingFixtures.withProgressEvery(mlp(3, false), 1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger stepsAfterStop = new AtomicInteger();
        TrainingResult result = trainer.run(
                plan,
                TrainingFixtures.clusters(600, 20, 3, 1),
                null,
                p -> {
                    if (stop.get()) {
                        stepsAfterStop.incrementAndGet();
                    }
                    if (p.step() == 5) {
                        stop.set(true);
                    }
                },
                stop::get,
                null);

        assertTrue(result.stopped());
        assertEquals(0, stepsAfterStop.get(), "no step after the flag");
        assertEquals(5 * 32, result.examples(), "exactly the five steps before the flag");
        assertTrue(result.history().isEmpty(), "no epoch completed");
        assertNull(result.network());
        assertThrows(IllegalStateException.class, () -> result.exportSavedModel(java.nio.file.Path.of("unused")));
    }

    @Test
    void aStopInTheSecondEpochKeepsTheFirstEpochsHistory() {
        TrainingPlan plan = TrainingFixtures.withProgressEvery(mlp(3, false), 1);
        AtomicBoolean stop = new AtomicBoolean();
        TrainingResult result = trainer.run(
                plan,
                TrainingFixtures.clusters(600, 20, 3, 1),
                null,
                p -> stop.set(p.epoch() == 2 && p.step() == 3),
                stop::get,
                null);

        assertTrue(result.stopped());
        assertEquals(1, result.history().size());
        assertEquals(15 * 32 + 3 * 32, result.examples());
    }

    @Test
    void dataOfAnotherWidthIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> train(mlp(1, false), TrainingFixtures.clusters(50, 5, 3, 1)));
        assertTrue(e.getMessage().contains("20 features"), e.getMessage());
    }
}
