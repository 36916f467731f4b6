package io.aiaas.worker.service;

import io.aiaas.worker.client.ModelServiceClient;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends a batch job's output to model-service in parts, from a thread of its own so that the run never waits for
 * model-service: the chunks that finish while a part is on its way, or within the part interval, go together in the
 * next part. Each stored part moves the job's checkpoint ({@link RunningJob#stored}). Memory stays bounded: the run
 * waits while twice the part size is pending.
 *
 * <p>Written here: it is a queue of contiguous row ranges with one sender that coalesces them; neither the JDK's
 * executors nor Mutiny's buffering operators keep the contiguity and the back-pressure in one place as plainly.
 */
final class OutputParts implements AutoCloseable {
    private record Piece(long from, long to, byte[] lines) {}

    private final ModelServiceClient modelService;
    private final RunningJob held;
    private final long intervalNanos;
    private final int maxBytes;
    private final Thread sender;
    private final ArrayDeque<Piece> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean sending;
    private boolean finishing;
    private boolean closed;
    private volatile RuntimeException failure;

    OutputParts(ModelServiceClient modelService, RunningJob held, Duration interval, int maxBytes) {
        this.modelService = modelService;
        this.held = held;
        this.intervalNanos = interval.toNanos();
        this.maxBytes = Math.max(1, maxBytes);
        this.sender = new Thread(this::sendLoop, "aiaas-output-" + held.jobId());
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Queues the lines of rows {@code [from, to)}, which follow the rows queued before.
     *
     * @throws RuntimeException what made an earlier part fail (the run stops)
     */
    synchronized void add(long from, long to, byte[] lines) throws InterruptedException {
        while (failure == null && pendingBytes >= 2L * maxBytes) {
            wait();
        }
        throwIfFailed();
        pending.add(new Piece(from, to, lines));
        pendingBytes += lines.length;
        notifyAll();
    }

    /** Whether a part failed: the run stops at its next chunk. */
    boolean failed() {
        return failure != null;
    }

    /** Sends what is pending at once and waits until it is stored. */
    synchronized void finish() throws InterruptedException {
        finishing = true;
        notifyAll();
        while (failure == null && (sending || !pending.isEmpty())) {
            wait();
        }
        throwIfFailed();
    }

    /** Stops the sender; what is pending is dropped (a rerun resumes at the checkpoint). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            sender.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void throwIfFailed() {
        RuntimeException e = failure;
        if (e != null) {
            throw e;
        }
    }

    private void sendLoop() {
        long lastSent = System.nanoTime() - intervalNanos;
        try {
            while (true) {
                List<Piece> part = next(lastSent);
                if (part == null) {
                    return;
                }
                long from = part.get(0).from();
                long to = part.get(part.size() - 1).to();
                int size = part.stream().mapToInt(p -> p.lines().length).sum();
                ByteArrayOutputStream body = new ByteArrayOutputStream(size);
                part.forEach(p -> body.writeBytes(p.lines()));
                long rowsDone;
                try {
                    rowsDone = modelService.output(
                            held.jobId(),
                            held.job().tenantId(),
                            held.job().requestId(),
                            held.attempt(),
                            from,
                            to,
                            body.toByteArray());
                } catch (RuntimeException e) {
                    synchronized (this) {
                        failure = e;
                        sending = false;
                        notifyAll();
                    }
                    return;
                }
                held.stored(rowsDone);
                lastSent = System.nanoTime();
                synchronized (this) {
                    pendingBytes -= size;
                    sending = false;
                    notifyAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The pieces of the next part, once the interval passed or enough is pending; null when closed. */
    private synchronized List<Piece> next(long lastSent) throws InterruptedException {
        while (!closed && pending.isEmpty()) {
            wait();
        }
        while (!closed && !finishing && pendingBytes < maxBytes) {
            long waitNanos = lastSent + intervalNanos - System.nanoTime();
            if (waitNanos <= 0) {
                break;
            }
            wait(Math.max(1, waitNanos / 1_000_000));
        }
        if (closed) {
            return null;
        }
        List<Piece> part = new ArrayList<>();
        int bytes = 0;
        while (!pending.isEmpty() && (part.isEmpty() || bytes + pending.peek().lines().length <= maxBytes)) {
            Piece piece = pending.poll();
            part.add(piece);
            bytes += piece.lines().length;
        }
        // the pieces stay counted in pendingBytes until stored, so that add() keeps waiting meanwhile
        sending = true;
        return part;
    }
}
