package io.aiaas.worker.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Which offset of a partition may be committed while claims are answered out of order. */
class PartitionOffsetsTest {

    @Test
    void onlyAContiguousRunOfDoneRecordsIsCommittable() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.handedOut(10);
        offsets.handedOut(11);
        offsets.handedOut(12);
        assertEquals(-1, offsets.toCommit());

        offsets.done(11);
        offsets.done(12);
        assertEquals(-1, offsets.toCommit(), "10 is unanswered: nothing after it may be committed");

        offsets.done(10);
        assertEquals(13, offsets.toCommit());
        offsets.committed(13);
        assertEquals(-1, offsets.toCommit(), "nothing new");

        offsets.handedOut(13);
        offsets.handedOut(14);
        offsets.done(13);
        assertEquals(14, offsets.toCommit());
    }

    @Test
    void aRecordNotHandedOutHereChangesNothing() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.handedOut(5);
        offsets.done(4);
        assertEquals(-1, offsets.toCommit());
    }
}
