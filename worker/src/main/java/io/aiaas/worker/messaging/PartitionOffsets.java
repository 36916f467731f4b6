package io.aiaas.worker.messaging;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The records of one partition handed out and not yet committed, and which of them are done (their claim answered, or
 * skipped). The committable offset only moves past a contiguous run of done records, so a record whose claim is still
 * unanswered is read again after a restart, whatever came after it. Called from the intake and the executors.
 */
final class PartitionOffsets {
    private final TreeMap<Long, Boolean> pending = new TreeMap<>();
    private long committable = -1;
    private long committed = -1;

    synchronized void handedOut(long offset) {
        pending.put(offset, Boolean.FALSE);
    }

    synchronized void done(long offset) {
        if (pending.containsKey(offset)) {
            pending.put(offset, Boolean.TRUE);
        }
        Iterator<Map.Entry<Long, Boolean>> first = pending.entrySet().iterator();
        while (first.hasNext()) {
            Map.Entry<Long, Boolean> entry = first.next();
            if (!entry.getValue()) {
                break;
            }
            committable = entry.getKey() + 1;
            first.remove();
        }
    }

    /** The next offset to commit (one past the last contiguous done record), or -1 when nothing new is done. */
    synchronized long toCommit() {
        return committable > committed ? committable : -1;
    }

    synchronized void committed(long offset) {
        committed = Math.max(committed, offset);
    }
}
