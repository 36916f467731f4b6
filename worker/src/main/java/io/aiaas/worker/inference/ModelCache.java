package io.aiaas.worker.inference;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.id.Ids;
import io.aiaas.worker.client.ArtifactClient;
import io.aiaas.worker.client.ArtifactUnavailableException;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.service.WorkerMetrics;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * The SavedModels this worker keeps loaded, least recently used first out: an evicted model is closed and its unpacked
 * files deleted. Artifacts are fetched from model-service on a miss.
 */
@Singleton
public class ModelCache {
    private static final Logger LOG = Logger.getLogger(ModelCache.class);

    private final ArtifactClient artifacts;
    private final int maxLoaded;
    private final int intraOp;
    private final int interOp;
    private final Path root;
    private final boolean ownsRoot;
    private final LinkedHashMap<String, LoadedModel> loaded = new LinkedHashMap<>(16, 0.75f, true);
    /** Read by the metrics scrape without waiting for a download in progress. */
    private volatile int count;
    /** The keys ({@code <modelId>/<version>}) of the loaded models, for the heartbeat; read without the lock. */
    private volatile java.util.List<String> keys = java.util.List.of();

    public ModelCache(WorkerConfig config, ArtifactClient artifacts, WorkerMetrics metrics) {
        this.artifacts = artifacts;
        this.maxLoaded = Math.max(1, config.models().maxLoaded());
        this.intraOp = config.models().intraOpThreads();
        this.interOp = config.models().interOpThreads();
        try {
            if (config.cacheDir().isPresent()) {
                this.root = Files.createDirectories(config.cacheDir().get());
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
     * The loaded model version, fetched and loaded first if needed.
     *
     * @throws ArtifactUnavailableException when the artifact is gone or does not load
     * @throws io.aiaas.worker.client.ModelServiceUnavailableException when it cannot be fetched now
     */
    public synchronized LoadedModel get(String modelId, int version, String tenantId, String requestId) {
        String key = modelId + "/" + version;
        LoadedModel model = loaded.get(key);
        if (model != null) {
            return model;
        }
        Path dir = root.resolve(
                "model-" + modelId.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + version + "-" + Ids.randomBase62(8));
        try {
            Path savedModel = artifacts.fetch(modelId, version, tenantId, requestId, dir);
            model = load(key, savedModel, dir);
        } catch (RuntimeException e) {
            SavedModelArchive.deleteTree(dir);
            throw e;
        }
        loaded.put(key, model);
        evict();
        count = loaded.size();
        keys = java.util.List.copyOf(loaded.keySet());
        LOG.infof("loaded model %s (%d loaded)", key, loaded.size());
        return model;
    }

    private LoadedModel load(String key, Path savedModel, Path dir) {
        try {
            return LoadedModel.load(key, savedModel, dir, intraOp, interOp);
        } catch (TensorFlowException | IllegalArgumentException e) {
            LOG.warnf("model %s does not load: %s", key, e.getMessage());
            throw new ArtifactUnavailableException("The model version cannot be loaded by TensorFlow.");
        }
    }

    private void evict() {
        Iterator<Map.Entry<String, LoadedModel>> eldest = loaded.entrySet().iterator();
        while (loaded.size() > maxLoaded && eldest.hasNext()) {
            LoadedModel model = eldest.next().getValue();
            eldest.remove();
            LOG.infof("unloading model %s", model.key());
            model.close();
        }
    }

    /** What is loaded now, as {@code <modelId>/<version>} (the heartbeat reports it). */
    public java.util.List<String> loadedModels() {
        return keys;
    }

    public int size() {
        return count;
    }

    @PreDestroy
    synchronized void closeAll() {
        loaded.values().forEach(LoadedModel::close);
        loaded.clear();
        count = 0;
        keys = java.util.List.of();
        if (ownsRoot) {
            SavedModelArchive.deleteTree(root);
        }
    }
}
