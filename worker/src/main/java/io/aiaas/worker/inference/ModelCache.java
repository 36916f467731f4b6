package io.aiaas.worker.inference;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.id.Ids;
import io.aiaas.worker.client.ArtifactClient;
import io.aiaas.worker.client.ArtifactUnavailableException;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.service.WorkerMetrics;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * The SavedModels this worker keeps loaded. A miss downloads and loads the version on the calling thread; requests for
 * the same version meanwhile wait for that one load, while other versions load in parallel. Runs hold a
 * {@link ModelLease}: an evicted model is closed (and its unpacked files deleted) when its last lease closes, never
 * during a run. Eviction is least recently used first, by count and by bytes (each model weighed by its size on
 * disk). A failed load is not kept: the version is tried again after a short pause that grows while it keeps failing.
 *
 * <p>Written here rather than with Caffeine: Caffeine bounds a cache by one measure (here: count and bytes), and its
 * admission policy may turn away a just-loaded model in favour of an older, once-popular one, which for a handful of
 * entries that take seconds to load means reloading on every request. A map of futures plus an LRU list is enough.
 */
@Singleton
public class ModelCache {
    private static final Logger LOG = Logger.getLogger(ModelCache.class);

    /** Downloads and unpacks a version's artifact into the empty directory {@code target} (see ArtifactClient). */
    @FunctionalInterface
    public interface ArtifactFetch {
        /** @return the directory holding {@code saved_model.pb} */
        Path fetch(String modelId, int version, String tenantId, String requestId, Path target);
    }

    /** The cache's bounds and the TensorFlow sessions' threads (see WorkerConfig). */
    public record Settings(
            int maxModels,
            long maxBytes,
            Duration loadRetryBackoff,
            Duration loadRetryBackoffMax,
            int intraOpThreads,
            int interOpThreads,
            Optional<Path> cacheDir) {}

    private final ArtifactFetch artifacts;
    private final ComputeDevice device;
    private final WorkerMetrics metrics;
    private final int maxModels;
    private final long maxBytes;
    private final long backoffNanos;
    private final long backoffMaxNanos;
    private final int intraOp;
    private final int interOp;
    private final Path root;
    private final boolean ownsRoot;

    /** Every version loaded or loading; a failed load removes its future. */
    private final ConcurrentHashMap<String, CompletableFuture<Entry>> entries = new ConcurrentHashMap<>();
    /** The loaded versions, least recently used first. Guarded by itself; held for bookkeeping only, never for I/O. */
    private final LinkedHashMap<String, Entry> recency = new LinkedHashMap<>(16, 0.75f, true);
    /** Guarded by {@link #recency}. */
    private long residentBytes;
    /** What {@link #loadedModels()} answers, read by heartbeats and metrics without taking the lock. */
    private volatile List<String> loadedKeys = List.of();

    private final ConcurrentHashMap<String, LoadFailure> failures = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private record LoadFailure(RuntimeException error, long retryAtNanos, int inARow) {}

    /** What waiters see when the thread loading for them was interrupted: not the model's fault, so they try again. */
    private static final class LoaderInterrupted extends RuntimeException {
        LoaderInterrupted() {
            super("the loading thread was interrupted", null, false, false);
        }
    }

    @Inject
    public ModelCache(WorkerConfig config, ArtifactClient artifacts, ComputeDevice device, WorkerMetrics metrics) {
        this(
                new Settings(
                        config.modelCache().maxModels(),
                        config.modelCache().maxBytes(),
                        config.modelCache().loadRetryBackoff(),
                        config.modelCache().loadRetryBackoffMax(),
                        config.models().intraOpThreads(),
                        config.models().interOpThreads(),
                        config.cacheDir()),
                artifacts::fetch,
                device,
                metrics);
    }

    public ModelCache(Settings settings, ArtifactFetch artifacts, ComputeDevice device, WorkerMetrics metrics) {
        this.artifacts = artifacts;
        this.device = device;
        this.metrics = metrics;
        this.maxModels = Math.max(1, settings.maxModels());
        this.maxBytes = Math.max(1, settings.maxBytes());
        this.backoffNanos = settings.loadRetryBackoff().toNanos();
        this.backoffMaxNanos =
                Math.max(backoffNanos, settings.loadRetryBackoffMax().toNanos());
        this.intraOp = settings.intraOpThreads();
        this.interOp = settings.interOpThreads();
        try {
            if (settings.cacheDir().isPresent()) {
                this.root = Files.createDirectories(settings.cacheDir().get());
                this.ownsRoot = false;
            } else {
                this.root = Files.createTempDirectory("aiaas-worker-models-");
                this.ownsRoot = true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the model cache directory", e);
        }
        metrics.loadedModels(this::size);
    }

    /**
     * A lease on the loaded model version, fetched and loaded first if needed. Close it when the run ends.
     *
     * @throws ArtifactUnavailableException when the artifact is gone or does not load
     * @throws ModelServiceUnavailableException when it cannot be fetched now, or the worker is shutting down
     */
    public ModelLease acquire(String modelId, int version, String tenantId, String requestId) {
        String key = key(modelId, version);
        while (true) {
            if (closed) {
                throw new ModelServiceUnavailableException("the worker is shutting down");
            }
            CompletableFuture<Entry> pending = entries.get(key);
            if (pending == null) {
                throwIfPausing(key);
                CompletableFuture<Entry> mine = new CompletableFuture<>();
                pending = entries.putIfAbsent(key, mine);
                if (pending == null) {
                    return load(key, modelId, version, tenantId, requestId, mine);
                }
            }
            Entry entry;
            try {
                entry = await(pending);
            } catch (LoaderInterrupted e) {
                continue;
            }
            ModelLease lease = entry.lease();
            if (lease != null) {
                touch(key);
                return lease;
            }
            // evicted and closed between the look-up and the lease: the map no longer holds it, so look again
        }
    }

    /**
     * A lease on the version when it is loaded now, without waiting or loading: for threads that must never block on
     * a download (online predictions run here and ask a loader thread to {@link #acquire} otherwise).
     */
    public Optional<ModelLease> leaseIfLoaded(String modelId, int version) {
        String key = key(modelId, version);
        CompletableFuture<Entry> pending = entries.get(key);
        if (pending == null || !pending.isDone() || pending.isCompletedExceptionally()) {
            return Optional.empty();
        }
        ModelLease lease = pending.join().lease();
        if (lease == null) {
            return Optional.empty();
        }
        touch(key);
        return Optional.of(lease);
    }

    /**
     * Takes the version out of the cache (its version was deleted): new requests load it again, and the model is
     * closed once no run holds a lease on it. A load under way is left to finish; it is then evicted like any other.
     *
     * @return whether it was loaded
     */
    public boolean evict(String modelId, int version) {
        return evictWhere(key -> key.equals(key(modelId, version)));
    }

    /** {@link #evict} for every loaded version of the model (the model was deleted); answers how many were loaded. */
    public int evictModel(String modelId) {
        String prefix = modelId + "/";
        List<String> keys =
                loadedKeys.stream().filter(k -> k.startsWith(prefix)).toList();
        int evicted = 0;
        for (String key : keys) {
            if (evictWhere(key::equals)) {
                evicted++;
            }
        }
        return evicted;
    }

    private boolean evictWhere(java.util.function.Predicate<String> matches) {
        List<Entry> victims = new ArrayList<>();
        synchronized (recency) {
            Iterator<Map.Entry<String, Entry>> it = recency.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, Entry> next = it.next();
                if (matches.test(next.getKey())) {
                    Entry victim = next.getValue();
                    it.remove();
                    residentBytes -= victim.weight;
                    entries.remove(next.getKey(), victim.future);
                    victims.add(victim);
                }
            }
            if (!victims.isEmpty()) {
                loadedKeys = recency.keySet().stream().sorted().toList();
            }
        }
        for (Entry victim : victims) {
            LOG.infof("evicting model %s: its version was deleted", victim.model.key());
            metrics.modelEvicted();
            victim.evict();
        }
        return !victims.isEmpty();
    }

    /** {@code <modelId>/<version>} of every loaded model, sorted; what the heartbeat reports. */
    public List<String> loadedModels() {
        return loadedKeys;
    }

    public int size() {
        return loadedKeys.size();
    }

    private ModelLease load(
            String key, String modelId, int version, String tenantId, String requestId, CompletableFuture<Entry> mine) {
        Path dir = root.resolve(
                "model-" + modelId.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + version + "-" + Ids.randomBase62(8));
        Entry entry;
        try {
            Path savedModel = artifacts.fetch(modelId, version, tenantId, requestId, dir);
            long weight = sizeOnDisk(dir);
            entry = new Entry(open(key, savedModel, dir), weight, mine);
        } catch (RuntimeException | Error e) {
            SavedModelArchive.deleteTree(dir);
            boolean interrupted = Thread.currentThread().isInterrupted();
            if (e instanceof RuntimeException failure && !interrupted) {
                pause(key, failure);
            }
            // the pause is recorded before the future leaves the map, so no request slips past it
            entries.remove(key, mine);
            // a loader stopped by its own job (cancelled, timed out) says nothing about the model: the waiters load
            // again
            mine.completeExceptionally(interrupted ? new LoaderInterrupted() : e);
            metrics.modelLoad("failed");
            throw e;
        }
        // the loader's own lease, taken before the model is visible to eviction
        ModelLease lease = entry.lease();
        failures.remove(key);
        admit(key, entry);
        mine.complete(entry);
        metrics.modelLoad("loaded");
        LOG.infof("loaded model %s (%d bytes on disk; %d loaded)", key, entry.weight, loadedKeys.size());
        return lease;
    }

    private LoadedModel open(String key, Path savedModel, Path dir) {
        try {
            return LoadedModel.load(key, savedModel, dir, intraOp, interOp, ComputeDevice.GPU.equals(device.name()));
        } catch (TensorFlowException | IllegalArgumentException e) {
            LOG.warnf("model %s does not load: %s", key, e.getMessage());
            throw new ArtifactUnavailableException("The model version cannot be loaded by TensorFlow.");
        }
    }

    /** Adds a loaded model and evicts the least recently used others until both bounds hold again. */
    private void admit(String key, Entry entry) {
        List<Entry> victims = new ArrayList<>();
        synchronized (recency) {
            if (closed) {
                entries.remove(key, entry.future);
                victims.add(entry);
            } else {
                recency.put(key, entry);
                residentBytes += entry.weight;
                Iterator<Map.Entry<String, Entry>> eldest = recency.entrySet().iterator();
                while ((recency.size() > maxModels || residentBytes > maxBytes) && eldest.hasNext()) {
                    Map.Entry<String, Entry> next = eldest.next();
                    Entry victim = next.getValue();
                    if (victim == entry) {
                        continue; // a model over the byte bound on its own is still served, alone
                    }
                    eldest.remove();
                    residentBytes -= victim.weight;
                    entries.remove(next.getKey(), victim.future);
                    victims.add(victim);
                }
                loadedKeys = recency.keySet().stream().sorted().toList();
            }
        }
        for (Entry victim : victims) {
            LOG.infof("evicting model %s", victim.model.key());
            metrics.modelEvicted();
            victim.evict();
        }
    }

    private void touch(String key) {
        synchronized (recency) {
            recency.get(key); // access order: the look-up makes it the most recently used
        }
    }

    private void throwIfPausing(String key) {
        LoadFailure failure = failures.get(key);
        if (failure != null && System.nanoTime() - failure.retryAtNanos < 0) {
            throw failure.error;
        }
    }

    private void pause(String key, RuntimeException error) {
        long now = System.nanoTime();
        failures.values().removeIf(f -> now - f.retryAtNanos > backoffMaxNanos);
        failures.compute(key, (k, previous) -> {
            int inARow = previous == null ? 1 : previous.inARow + 1;
            long pause = backoffNanos << Math.min(inARow - 1, 20);
            return new LoadFailure(error, now + Math.min(pause, backoffMaxNanos), inARow);
        });
    }

    private static Entry await(CompletableFuture<Entry> pending) {
        try {
            return pending.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelServiceUnavailableException("interrupted while the model loads", e);
        }
    }

    static String key(String modelId, int version) {
        return modelId + "/" + version;
    }

    /** The unpacked size, an estimate of the memory the model's variables take once loaded. */
    private static long sizeOnDisk(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(file -> {
                        try {
                            return Files.size(file);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        } catch (IOException e) {
            return 0;
        }
    }

    @PreDestroy
    void closeAll() {
        closed = true;
        List<Entry> victims;
        synchronized (recency) {
            victims = new ArrayList<>(recency.values());
            recency.clear();
            residentBytes = 0;
            loadedKeys = List.of();
        }
        entries.clear();
        victims.forEach(Entry::evict);
        if (ownsRoot) {
            SavedModelArchive.deleteTree(root);
        }
    }

    /** A loaded model with its lease count; closed once evicted and no longer leased. */
    static final class Entry {
        private final LoadedModel model;
        private final long weight;
        private final CompletableFuture<Entry> future;
        private int leases; // guarded by this
        private boolean evicted; // guarded by this

        Entry(LoadedModel model, long weight, CompletableFuture<Entry> future) {
            this.model = model;
            this.weight = weight;
            this.future = future;
        }

        LoadedModel model() {
            return model;
        }

        /** A new lease, or null when the model was evicted and already closed. */
        synchronized ModelLease lease() {
            if (evicted && leases == 0) {
                return null;
            }
            leases++;
            return new ModelLease(this);
        }

        void release() {
            boolean close;
            synchronized (this) {
                leases--;
                close = evicted && leases == 0;
            }
            if (close) {
                model.close();
            }
        }

        void evict() {
            boolean close;
            synchronized (this) {
                evicted = true;
                close = leases == 0;
            }
            if (close) {
                model.close();
            }
        }
    }
}
