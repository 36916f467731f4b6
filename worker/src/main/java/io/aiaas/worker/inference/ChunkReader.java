package io.aiaas.worker.inference;

import io.aiaas.common.csv.CsvDatasetReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a dataset's rows into chunks on a thread of its own, a few chunks ahead of the run: parsing text into numbers
 * costs more than running a small model on them, so the two overlap on two cores. Rows before {@code fromRow} are read
 * past. Memory stays at {@link #AHEAD} + 2 chunk buffers, which are recycled.
 *
 * <p>Written here: a bounded hand-off of reusable buffers between one reader and one runner, with the reader's failure
 * delivered in order, is a few lines over {@link ArrayBlockingQueue}.
 */
final class ChunkReader implements AutoCloseable {
    /** Chunks read ahead at most. */
    static final int AHEAD = 2;

    /** Rows {@code [firstRow, firstRow + rows)} as {@code rows × features} values. */
    record Chunk(float[] values, int rows, long firstRow) {}

    private static final Chunk END = new Chunk(new float[0], 0, -1);

    private final CsvDatasetReader reader;
    private final int chunkRows;
    private final long fromRow;
    private final BlockingQueue<Object> ready = new ArrayBlockingQueue<>(AHEAD);
    private final BlockingQueue<float[]> free = new ArrayBlockingQueue<>(AHEAD + 2);
    private final Thread thread;
    private volatile long rowsRead;
    private boolean ended;

    ChunkReader(CsvDatasetReader reader, int chunkRows, long fromRow) {
        this.reader = reader;
        this.chunkRows = chunkRows;
        this.fromRow = fromRow;
        this.thread = new Thread(this::read, "aiaas-batch-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** The next chunk, or null after the last row. */
    Chunk next() throws IOException, InterruptedException {
        if (ended) {
            return null;
        }
        Object item = ready.take();
        if (item == END) {
            ended = true;
            return null;
        }
        if (item instanceof IOException e) {
            ended = true;
            throw e;
        }
        if (item instanceof RuntimeException e) {
            ended = true;
            throw e;
        }
        return (Chunk) item;
    }

    /** Hands a chunk's buffer back once its values are no longer needed. */
    void recycle(Chunk chunk) {
        free.offer(chunk.values());
    }

    /** Rows read from the dataset so far, the skipped ones included. */
    long rowsRead() {
        return rowsRead;
    }

    private void read() {
        int features = reader.features();
        float[] row = new float[features];
        try {
            long index = 0;
            while (index < fromRow && reader.next(row)) {
                index++;
            }
            while (true) {
                float[] values = free.poll();
                if (values == null) {
                    values = new float[chunkRows * features];
                }
                int n = 0;
                while (n < chunkRows && reader.next(row)) {
                    System.arraycopy(row, 0, values, n * features, features);
                    n++;
                }
                if (n > 0) {
                    ready.put(new Chunk(values, n, index));
                    index += n;
                    rowsRead = index;
                }
                if (n < chunkRows) {
                    rowsRead = index;
                    ready.put(END);
                    return;
                }
            }
        } catch (InterruptedException e) {
            // the run stopped
        } catch (IOException | RuntimeException e) {
            try {
                ready.put(e instanceof UncheckedIOException u ? u.getCause() : e);
            } catch (InterruptedException stopped) {
                // the run stopped
            }
        }
    }

    /** Stops reading ahead; the dataset's stream is the caller's to close. */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
