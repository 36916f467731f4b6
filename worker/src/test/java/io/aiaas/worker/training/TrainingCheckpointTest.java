package io.aiaas.worker.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.training.TrainingPlan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run resumed from a checkpoint ends exactly where an uninterrupted run ends: weights, optimizer state and history
 * bit for bit (with dropout and Adam, whose state goes beyond the weights).
 */
class TrainingCheckpointTest {
    private static final TrainingData DATA = TrainingFixtures.clusters(300, 20, 3, 8);

    @Test
    void twoEpochsACheckpointAndAThirdEqualThreeEpochsStraight() {
        TrainingPlan three = TrainerTest.mlp(3, true);
        List<TrainingCheckpoint> straightCheckpoints = new ArrayList<>();
        TrainingResult straight = new Trainer(1).run(three, DATA, null, null, null, straightCheckpoints::add);

        List<TrainingCheckpoint> firstCheckpoints = new ArrayList<>();
        new Trainer(1).run(TrainingFixtures.withEpochs(three, 2), DATA, null, null, null, firstCheckpoints::add);
        byte[] saved = firstCheckpoints.get(1).toBytes();
        List<TrainingCheckpoint> resumedCheckpoints = new ArrayList<>();
        TrainingResult resumed = new Trainer(1)
                .run(three, DATA, TrainingCheckpoint.fromBytes(saved), null, null, resumedCheckpoints::add);

        assertEquals(straight.history(), resumed.history(), "the history of all three epochs");
        assertEquals(1, resumedCheckpoints.size(), "the resumed run trains only the third epoch");
        assertEquals(DATA.rows() - 60, resumed.examples(), "one epoch of 240 training rows");
        List<TrainingCheckpoint.VariableValue> expected =
                straightCheckpoints.get(2).variables();
        List<TrainingCheckpoint.VariableValue> actual =
                resumedCheckpoints.get(0).variables();
        assertEquals(expected.size(), actual.size());
        assertTrue(expected.stream().anyMatch(v -> v.name().endsWith("_m")), "Adam's moments are in the checkpoint");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).name(), actual.get(i).name());
            assertArrayEquals(
                    expected.get(i).values(),
                    actual.get(i).values(),
                    expected.get(i).name());
        }
        for (int i = 0; i < straight.network().weights().size(); i++) {
            assertArrayEquals(
                    straight.network().weights().get(i),
                    resumed.network().weights().get(i));
        }
    }

    @Test
    void theBytesReadBackAsTheyWereWritten() {
        List<TrainingCheckpoint> checkpoints = new ArrayList<>();
        new Trainer(1).run(TrainerTest.mlp(1, false), DATA, null, null, null, checkpoints::add);
        TrainingCheckpoint written = checkpoints.get(0);

        TrainingCheckpoint read = TrainingCheckpoint.fromBytes(written.toBytes());

        assertEquals(written.plan(), read.plan());
        assertEquals(1, read.nextEpoch());
        assertEquals(8, read.steps(), "240 training rows in batches of 32");
        assertEquals(written.history(), read.history());
        for (int i = 0; i < written.variables().size(); i++) {
            assertArrayEquals(
                    written.variables().get(i).shape(), read.variables().get(i).shape());
            assertArrayEquals(
                    written.variables().get(i).values(), read.variables().get(i).values());
        }
    }

    @Test
    void aDamagedCheckpointIsRefused() {
        List<TrainingCheckpoint> checkpoints = new ArrayList<>();
        new Trainer(1).run(TrainerTest.mlp(1, false), DATA, null, null, null, checkpoints::add);
        byte[] bytes = checkpoints.get(0).toBytes();
        bytes[bytes.length / 2] ^= 1;

        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.fromBytes(bytes));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.fromBytes(new byte[] {1, 2, 3}));
    }

    @Test
    void aCheckpointOfAnotherPlanIsRefused() {
        List<TrainingCheckpoint> checkpoints = new ArrayList<>();
        new Trainer(1).run(TrainerTest.mlp(1, false), DATA, null, null, null, checkpoints::add);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(1)
                .run(TrainerTest.mlp(2, true), DATA, checkpoints.get(0), null, null, null));
        assertTrue(e.getMessage().contains("another plan"), e.getMessage());
    }
}
