package io.aiaas.gateway.predict;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.ModelEvent;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import io.aiaas.gateway.auth.Caller;
import io.aiaas.gateway.client.ServingModelClient;
import io.aiaas.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * What each model name means to each tenant, for online prediction: model-service's serving metadata cached per
 * (tenant, name) in Caffeine, so a prediction costs no call to model-service.
 *
 * <ul>
 *   <li>One load per key however many calls wait for it; loads run on Vert.x's HTTP client, never blocking.
 *   <li>A model is kept {@code metadata.ttl} (5 min) at most, "no such model" {@code metadata.not-found-ttl} (2 s);
 *       failures to ask are never kept.
 *   <li>Model events drop what changed at once ({@link #changed}); a (re)assignment of the events' partitions drops
 *       everything ({@link #forgetAll}), since events may have been missed.
 *   <li>A call naming a version or label the cached model lacks asks once more before answering 404 (the version may
 *       be newer than the entry and its event still on its way); at most once per {@code not-found-ttl} for the same
 *       missing version, so a client asking for version 999 in a loop costs model-service little.
 * </ul>
 */
@ApplicationScoped
public class ServingModels {
    private static final Logger LOG = Logger.getLogger(ServingModels.class);

    /** Asks model-service: empty when the name means no model to the tenant. */
    @FunctionalInterface
    public interface Fetch {
        CompletableFuture<Optional<ServingModel>> fetch(Caller.Tenant tenant, String name, String requestId);
    }

    /** The model a call is about, and the version it named (by number or label); {@code version} null when none. */
    public record Resolved(ServingModel model, ServingVersion version) {
        /** The version named, else the default one (alias {@code production}, else the newest). */
        public ServingVersion versionToRun() {
            if (version != null) {
                return version;
            }
            return model.defaultVersion()
                    .orElseThrow(() -> ApiException.notFound("Model '" + model.name() + "' has no version to serve."));
        }
    }

    private record Key(String tenantId, String name) {}

    private record Missing(String tenantId, String name, String what) {}

    private final Fetch fetch;
    private final AsyncCache<Key, Optional<ServingModel>> models;
    private final Cache<Missing, Boolean> askedAgain;

    ServingModels(GatewayConfig.Predict.Metadata config, Fetch fetch) {
        this.fetch = fetch;
        long found = config.ttl().toNanos();
        long notFound = config.notFoundTtl().toNanos();
        this.models = Caffeine.newBuilder()
                .maximumSize(config.maxEntries())
                .expireAfter(new Expiry<Key, Optional<ServingModel>>() {
                    @Override
                    public long expireAfterCreate(Key key, Optional<ServingModel> value, long now) {
                        return value.isPresent() ? found : notFound;
                    }

                    @Override
                    public long expireAfterUpdate(Key key, Optional<ServingModel> value, long now, long current) {
                        return expireAfterCreate(key, value, now);
                    }

                    @Override
                    public long expireAfterRead(Key key, Optional<ServingModel> value, long now, long current) {
                        return current;
                    }
                })
                // Caffeine's upkeep is a few map operations: on the calling thread, never a pool's.
                .executor(Runnable::run)
                .buildAsync();
        this.askedAgain = Caffeine.newBuilder()
                .maximumSize(config.maxEntries())
                .expireAfterWrite(config.notFoundTtl())
                .executor(Runnable::run)
                .build();
    }

    @Inject
    public ServingModels(GatewayConfig config, ServingModelClient client) {
        this(config.predict().metadata(), client::fetch);
    }

    /**
     * The model and version {@code path} names for {@code tenant}, completed on whichever thread the load completes
     * (already complete when cached). Fails with a 404 {@link ApiException} for an unknown model, version or label,
     * and with model-service's failure (503) when it cannot answer.
     */
    public CompletableFuture<Resolved> resolve(Caller.Tenant tenant, PredictionPath path, String requestId) {
        if (!path.modelNameValid()) {
            return CompletableFuture.failedFuture(noModel(path.model()));
        }
        if (path.version() != null && path.versionNumber() < 0) {
            // No version of ours is called that: nothing to ask.
            return CompletableFuture.failedFuture(noVersion(path));
        }
        Key key = new Key(tenant.tenantId(), path.model());
        CompletableFuture<Optional<ServingModel>> cached = load(key, tenant, requestId);
        if (cached.isDone() && !cached.isCompletedExceptionally()) {
            Resolved resolved = resolved(path, cached.join());
            if (resolved != null || !worthAskingAgain(key, path, cached.join())) {
                return resolved != null
                        ? CompletableFuture.completedFuture(resolved)
                        : CompletableFuture.failedFuture(missing(path, cached.join()));
            }
            models.asMap().remove(key, cached);
            return load(key, tenant, requestId).thenApply(model -> resolvedOrFail(path, model));
        }
        return cached.thenCompose(model -> {
            Resolved resolved = resolved(path, model);
            if (resolved != null) {
                return CompletableFuture.completedFuture(resolved);
            }
            if (!worthAskingAgain(key, path, model)) {
                return CompletableFuture.failedFuture(missing(path, model));
            }
            models.asMap().remove(key, cached);
            return load(key, tenant, requestId).thenApply(again -> resolvedOrFail(path, again));
        });
    }

    private CompletableFuture<Optional<ServingModel>> load(Key key, Caller.Tenant tenant, String requestId) {
        return models.get(key, (k, executor) -> fetch.fetch(tenant, k.name(), requestId));
    }

    /** The model and version named, or null when the model lacks the version or label. */
    private static Resolved resolved(PredictionPath path, Optional<ServingModel> found) {
        if (found.isEmpty()) {
            return null;
        }
        ServingModel model = found.get();
        if (path.version() != null) {
            return model.version(path.versionNumber())
                    .map(v -> new Resolved(model, v))
                    .orElse(null);
        }
        if (path.label() != null) {
            return model.alias(path.label()).map(v -> new Resolved(model, v)).orElse(null);
        }
        return new Resolved(model, null);
    }

    private static Resolved resolvedOrFail(PredictionPath path, Optional<ServingModel> found) {
        Resolved resolved = resolved(path, found);
        if (resolved == null) {
            throw missing(path, found);
        }
        return resolved;
    }

    /** Only a known model lacking the version or label asked for, and not asked again for it lately. */
    private boolean worthAskingAgain(Key key, PredictionPath path, Optional<ServingModel> found) {
        if (found.isEmpty()) {
            return false;
        }
        String what = path.version() != null ? "v" + path.versionNumber() : "l" + path.label();
        return askedAgain.asMap().putIfAbsent(new Missing(key.tenantId(), key.name(), what), Boolean.TRUE) == null;
    }

    private static ApiException missing(PredictionPath path, Optional<ServingModel> found) {
        if (found.isEmpty()) {
            return noModel(path.model());
        }
        return path.version() != null ? noVersion(path) : noLabel(path);
    }

    private static ApiException noModel(String name) {
        return ApiException.notFound("There is no model '" + abbreviate(name) + "'.");
    }

    private static ApiException noVersion(PredictionPath path) {
        return ApiException.notFound(
                "Model '" + path.model() + "' has no version '" + abbreviate(path.version()) + "'.");
    }

    private static ApiException noLabel(PredictionPath path) {
        return ApiException.notFound("Model '" + path.model() + "' has no label '" + abbreviate(path.label()) + "'.");
    }

    private static String abbreviate(String s) {
        String cleaned = s.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "…" : cleaned;
    }

    /**
     * A model event: drops what the name meant to its tenant ({@code tenantId} set), or to every tenant (a platform
     * model, {@code tenantId} null). Loads in flight are dropped too, since their answer may predate the change.
     */
    public void changed(ModelEvent event) {
        if (event.model() == null) {
            return;
        }
        if (event.tenantId() != null) {
            models.asMap().remove(new Key(event.tenantId(), event.model()));
        } else {
            models.asMap().keySet().removeIf(key -> key.name().equals(event.model()));
        }
        askedAgain.asMap().keySet().removeIf(missing -> missing.name().equals(event.model()));
        LOG.debugf("model event %s %s: cached metadata of '%s' dropped", event.type(), event.eventId(), event.model());
    }

    /** Drops every cached entry: model events may have been missed. */
    public void forgetAll() {
        models.asMap().clear();
        askedAgain.invalidateAll();
    }

    long size() {
        return models.synchronous().estimatedSize();
    }
}
