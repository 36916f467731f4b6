package io.aiaas.worker.inference;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The right to run a loaded model until {@link #close()}: while any lease on it is open, {@link ModelCache} does not
 * close the model, even after evicting it. Closing twice is harmless.
 */
public final class ModelLease implements AutoCloseable {
    private final ModelCache.Entry entry;
    private final AtomicBoolean open = new AtomicBoolean(true);

    ModelLease(ModelCache.Entry entry) {
        this.entry = entry;
    }

    public LoadedModel model() {
        if (!open.get()) {
            throw new IllegalStateException("the lease on " + entry.model().key() + " is closed");
        }
        return entry.model();
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            entry.release();
        }
    }
}
