package io.aiaas.worker.service;

import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.worker.client.ArtifactUnavailableException;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.inference.InferenceEngine;
import io.aiaas.worker.inference.LoadedModel;
import io.aiaas.worker.inference.ModelCache;
import io.aiaas.worker.inference.ModelLease;
import io.aiaas.worker.inference.PredictionBatcher;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFOutOfRangeException;

/**
 * Runs online predictions with dynamic batching. Requests are queued per (model version, signature, outputs); each
 * queue runs on the inference threads one batch at a time, so requests that arrive while a batch runs meet in the
 * next one ({@link PredictionBatcher} decides what runs together). A queue whose model is not loaded waits while a
 * loader thread loads it, and the inference threads go on with other models; its requests run once the model is
 * loaded, or are answered 404 (the version is gone) or 503 (it cannot be loaded now). A request past its deadline is
 * dropped unrun and unanswered: its gateway has already answered 504, and would drop the reply.
 *
 * <p>Nothing here blocks the caller of {@link #submit}: the intake's poll thread only queues.
 */
@Singleton
public class OnlinePredictor {
    private static final Logger LOG = Logger.getLogger(OnlinePredictor.class);

    /** The requests that may run together: one model version, signature and list of outputs. */
    record QueueKey(String modelId, int version, String signature, List<String> outputs) {
        static QueueKey of(PredictRequest r) {
            return new QueueKey(r.modelId(), r.version(), r.signature(), r.outputs());
        }

        String model() {
            return PredictRequest.partitionKey(modelId, version);
        }
    }

    /** One queue and whether a task serves it (armed, queued, running or waiting for its model). */
    private static final class Queue {
        final QueueKey key;
        final ArrayDeque<PendingPrediction> pending = new ArrayDeque<>(); // guarded by this
        boolean active; // guarded by this
        boolean retired; // guarded by this: out of the map, take a new one
        ScheduledFuture<?> timer; // guarded by this
        long gatherStart; // guarded by this: when the gathering batch's first request came (nanoTime)
        long lastArrival; // guarded by this
        /** The largest in-flight hint among the pending requests: a batch this size holds every one announced. */
        int announced; // guarded by this

        /** Whether the gathering batch holds as many requests as are known to be coming, or is full. */
        boolean complete(int maxRequests) {
            return pending.size() >= Math.min(maxRequests, Math.max(1, announced));
        }

        Queue(QueueKey key) {
            this.key = key;
        }
    }

    private final ModelCache models;
    private final InferenceEngine engine;
    private final ComputeDevice device;
    private final WorkerMetrics metrics;
    private final PredictionSink sink;
    private final String workerId;
    private final int maxRequests;
    private final long maxRows;
    private final long maxDelayNanos;
    private final long gatherIdleNanos;

    private final ExecutorService inference;
    private final ExecutorService loader;
    private final ScheduledExecutorService timers;
    private final ConcurrentHashMap<QueueKey, Queue> queues = new ConcurrentHashMap<>();
    /** Model versions being loaded for predictions, with the queues waiting for them. Guarded by itself. */
    private final Map<String, List<Queue>> loading = new HashMap<>();

    private final AtomicInteger queued = new AtomicInteger();

    public OnlinePredictor(
            ModelCache models,
            InferenceEngine engine,
            ComputeDevice device,
            WorkerMetrics metrics,
            PredictionSink sink,
            WorkerIdentity identity,
            WorkerConfig config) {
        this.models = models;
        this.engine = engine;
        this.device = device;
        this.metrics = metrics;
        this.sink = sink;
        this.workerId = identity.workerId();
        WorkerConfig.Predict predict = config.predict();
        this.maxRequests = Math.max(1, predict.maxBatchRequests());
        this.maxRows = Math.max(1, predict.maxBatchRows());
        this.maxDelayNanos = predict.maxDelay().toNanos();
        this.gatherIdleNanos = predict.gatherIdle().toNanos();
        this.inference =
                Executors.newFixedThreadPool(Math.max(1, predict.inferenceThreads()), threads("aiaas-predict"));
        this.loader = Executors.newFixedThreadPool(Math.max(1, predict.loaderThreads()), threads("aiaas-model-loader"));
        if (maxDelayNanos > 0) {
            ScheduledThreadPoolExecutor gather = new ScheduledThreadPoolExecutor(1, threads("aiaas-predict-gather"));
            gather.setRemoveOnCancelPolicy(true); // a batch that filled up early leaves no dead timer behind
            this.timers = gather;
        } else {
            this.timers = null;
        }
        metrics.predictQueued(queued::get);
    }

    /** Queues what one poll brought. Never blocks: called on the intake's poll thread. */
    public void submit(List<PendingPrediction> predictions) {
        long now = System.currentTimeMillis();
        for (PendingPrediction prediction : predictions) {
            if (prediction.expired(now)) {
                metrics.predictExpired();
                continue;
            }
            queued.incrementAndGet();
            QueueKey key = QueueKey.of(prediction.request());
            while (!enqueue(queues.computeIfAbsent(key, Queue::new), prediction)) {
                // the queue went idle and left the map meanwhile: take the new one
            }
        }
    }

    /** Requests taken in and not yet answered or dropped (the intake pauses above a bound). */
    public int queued() {
        return queued.get();
    }

    /**
     * Loads the version on a loader thread, so that its first request finds it loaded (a new version this worker will
     * serve). Failures are logged: a request later loads it again.
     */
    public void preload(String modelId, int version, String tenantId, String requestId) {
        try {
            loader.execute(() -> {
                long start = System.nanoTime();
                try (ModelLease lease = models.acquire(modelId, version, tenantId, requestId)) {
                    LOG.infof(
                            "preloaded model %s/%d in %d ms",
                            modelId, version, (System.nanoTime() - start) / 1_000_000);
                } catch (RuntimeException e) {
                    LOG.warnf("preloading model %s/%d failed: %s", modelId, version, e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debugf("not preloading %s/%d: shutting down", modelId, version);
        }
    }

    /** Stops taking work: runs already queued get {@code grace} to finish; what remains is dropped unanswered. */
    public void stop(Duration grace) {
        loader.shutdownNow();
        if (timers != null) {
            timers.shutdownNow();
        }
        inference.shutdown();
        try {
            if (!inference.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                inference.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            inference.shutdownNow();
        }
    }

    private boolean enqueue(Queue queue, PendingPrediction prediction) {
        synchronized (queue) {
            if (queue.retired) {
                return false;
            }
            // The gateway's hint: other predictions of this version were in flight when it sent this one, so more
            // are likely on their way. A lone client's requests say 1 and never wait.
            boolean concurrent = prediction.request().inFlight() > 1;
            queue.pending.addLast(prediction);
            queue.announced = Math.max(queue.announced, prediction.request().inFlight());
            long now = System.nanoTime();
            queue.lastArrival = now;
            if (!queue.active) {
                queue.active = true;
                if (concurrent && maxDelayNanos > 0 && !queue.complete(maxRequests)) {
                    // gather: the batch runs once requests pause for gather-idle, max-delay after its first
                    // request at the latest, or once it is full
                    queue.gatherStart = now;
                    schedule(queue, Math.min(gatherIdleNanos, maxDelayNanos));
                } else {
                    dispatch(queue);
                }
            } else if (queue.timer != null && queue.complete(maxRequests) && queue.timer.cancel(false)) {
                queue.timer = null;
                dispatch(queue);
            }
            return true;
        }
    }

    private void schedule(Queue queue, long delayNanos) {
        try {
            queue.timer = timers.schedule(() -> fire(queue), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            dropAll(queue); // shutting down
        }
    }

    private void fire(Queue queue) {
        synchronized (queue) {
            queue.timer = null;
            long now = System.nanoTime();
            long idleUntil = queue.lastArrival + gatherIdleNanos;
            long latest = queue.gatherStart + maxDelayNanos;
            if (!queue.complete(maxRequests) && now < idleUntil && now < latest) {
                // requests are still arriving: wait for the pause, within max-delay
                schedule(queue, Math.min(idleUntil, latest) - now);
                return;
            }
        }
        dispatch(queue);
    }

    private void dispatch(Queue queue) {
        try {
            inference.execute(() -> serve(queue));
        } catch (RejectedExecutionException e) {
            dropAll(queue); // shutting down
        }
    }

    /** On an inference thread: one batch of the queue, then the queue goes on (or goes idle). */
    private void serve(Queue queue) {
        QueueKey key = queue.key;
        ModelLease lease = models.leaseIfLoaded(key.modelId(), key.version()).orElse(null);
        if (lease == null) {
            awaitLoad(queue);
            return;
        }
        List<PendingPrediction> batch = List.of();
        try (lease) {
            synchronized (queue) {
                batch = PredictionBatcher.take(queue.pending, PendingPrediction::request, maxRequests, maxRows);
                queue.announced = 0;
                for (PendingPrediction left : queue.pending) {
                    queue.announced = Math.max(queue.announced, left.request().inFlight());
                }
            }
            run(lease.model(), key, live(batch));
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "online predictions for %s failed", key.model());
            // whatever the failure left unanswered is answered, so nothing waits for its deadline in vain
            batch.forEach(p -> fail(p, 503, "The model could not be run; try again."));
        } finally {
            next(queue);
        }
    }

    /** The queue runs again while it holds requests, else it goes idle and leaves the map. */
    private void next(Queue queue) {
        synchronized (queue) {
            if (queue.pending.isEmpty()) {
                queue.active = false;
                queue.retired = true;
                queues.remove(queue.key, queue);
                return;
            }
            long now = System.nanoTime();
            if (maxDelayNanos > 0
                    && !queue.complete(maxRequests)
                    && queue.pending.peekLast().request().inFlight() > 1
                    && now - queue.lastArrival < gatherIdleNanos) {
                // concurrent clients still sending: let the next batch gather as a first one does
                queue.gatherStart = now;
                schedule(queue, queue.lastArrival + gatherIdleNanos - now);
                return;
            }
        }
        dispatch(queue);
    }

    /** The requests still within their deadline; the others are dropped unanswered. */
    private List<PendingPrediction> live(List<PendingPrediction> batch) {
        long now = System.currentTimeMillis();
        List<PendingPrediction> live = new ArrayList<>(batch.size());
        for (PendingPrediction prediction : batch) {
            if (!prediction.expired(now)) {
                live.add(prediction);
            } else if (prediction.settle()) {
                queued.decrementAndGet();
                metrics.predictExpired();
            }
        }
        return live;
    }

    private void run(LoadedModel model, QueueKey key, List<PendingPrediction> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Signature signature = model.signatures().get(key.signature());
        if (signature == null) {
            String detail = "The model has no signature '" + key.signature() + "'; it has "
                    + model.signatures().keySet() + ".";
            batch.forEach(p -> fail(p, 400, detail));
            return;
        }
        Map<PredictRequest, PendingPrediction> byRequest = new IdentityHashMap<>();
        List<PredictRequest> runnable = new ArrayList<>(batch.size());
        for (PendingPrediction prediction : batch) {
            String refusal = PredictionBatcher.refusal(key.signature(), signature, prediction.request());
            if (refusal != null) {
                fail(prediction, 400, refusal);
            } else {
                byRequest.put(prediction.request(), prediction);
                runnable.add(prediction.request());
            }
        }
        for (PredictionBatcher.Run run : PredictionBatcher.plan(signature, runnable)) {
            execute(model, key, run, byRequest);
        }
    }

    /** One TensorFlow run; a joined run that TensorFlow refuses, or that cannot be split, runs again request by request. */
    private void execute(
            LoadedModel model,
            QueueKey key,
            PredictionBatcher.Run run,
            Map<PredictRequest, PendingPrediction> byRequest) {
        InferenceEngine.TensorRun result;
        metrics.predictRun(run.requests().size());
        try {
            result = engine.run(model, key.signature(), run.inputs(), key.outputs());
        } catch (TFInvalidArgumentException | TFOutOfRangeException e) {
            if (run.joined()) {
                // one bad request fails the whole run: find it by running each alone
                LOG.debugf(
                        "a batch of %d for %s was refused; running each alone",
                        run.requests().size(), key.model());
                aloneEach(model, key, run, byRequest);
            } else {
                fail(
                        byRequest.get(run.requests().get(0)),
                        400,
                        "The model refused the input: " + InferenceEngine.firstLine(e.getMessage()));
            }
            return;
        } catch (InvalidInputException e) {
            run.requests().forEach(r -> fail(byRequest.get(r), 400, e.getMessage()));
            return;
        } catch (RuntimeException e) {
            LOG.warnf("running %s failed: %s", key.model(), e.toString());
            run.requests().forEach(r -> fail(byRequest.get(r), 503, "The model could not be run; try again."));
            return;
        }
        long micros = (result.nanos() + 999) / 1000;
        if (!run.joined()) {
            succeed(byRequest.get(run.requests().get(0)), result.outputs(), micros, 1);
            return;
        }
        List<List<OutputTensor>> split;
        try {
            split = PredictionBatcher.split(run, result.outputs());
        } catch (IllegalStateException e) {
            LOG.debugf("%s: %s; running each alone", key.model(), e.getMessage());
            aloneEach(model, key, run, byRequest);
            return;
        }
        long[] shares = PredictionBatcher.shares(run, micros);
        int n = run.requests().size();
        for (int i = 0; i < n; i++) {
            succeed(byRequest.get(run.requests().get(i)), split.get(i), shares[i], n);
        }
    }

    private void aloneEach(
            LoadedModel model,
            QueueKey key,
            PredictionBatcher.Run run,
            Map<PredictRequest, PendingPrediction> byRequest) {
        long now = System.currentTimeMillis();
        for (PredictRequest request : run.requests()) {
            PendingPrediction prediction = byRequest.get(request);
            if (prediction.expired(now)) {
                if (prediction.settle()) {
                    queued.decrementAndGet();
                    metrics.predictExpired();
                }
                continue;
            }
            execute(model, key, PredictionBatcher.alone(request), byRequest);
        }
    }

    /** The queue's model is not loaded: a loader thread loads it (one load per version) and then serves the queue. */
    private void awaitLoad(Queue queue) {
        QueueKey key = queue.key;
        PendingPrediction first;
        synchronized (queue) {
            first = queue.pending.peekFirst();
        }
        if (first == null) {
            next(queue);
            return;
        }
        boolean start;
        synchronized (loading) {
            List<Queue> waiting = loading.get(key.model());
            start = waiting == null;
            if (start) {
                waiting = new ArrayList<>();
                loading.put(key.model(), waiting);
            }
            waiting.add(queue);
        }
        if (start) {
            PredictRequest request = first.request();
            try {
                loader.execute(() -> load(key.modelId(), key.version(), request.tenantId(), request.requestId()));
            } catch (RejectedExecutionException e) {
                loaded(key.model(), 503, "The worker is shutting down.");
            }
        }
    }

    private void load(String modelId, int version, String tenantId, String requestId) {
        int status = PredictReply.OK;
        String detail = null;
        long start = System.nanoTime();
        try (ModelLease lease = models.acquire(modelId, version, tenantId, requestId)) {
            LOG.debugf(
                    "loaded %s/%d for predictions in %d ms", modelId, version, (System.nanoTime() - start) / 1_000_000);
        } catch (ArtifactUnavailableException e) {
            status = 404;
            detail = "Version " + version + " of the model is not available.";
        } catch (ModelServiceUnavailableException e) {
            status = 503;
            detail = "The model version cannot be loaded now; try again.";
        } catch (RuntimeException | Error e) {
            LOG.warnf("loading %s/%d for predictions failed: %s", modelId, version, e.toString());
            status = 503;
            detail = "The model version cannot be loaded now; try again.";
        }
        // always: the queues waiting for this load must not wait for ever
        loaded(PredictRequest.partitionKey(modelId, version), status, detail);
    }

    /** A load ended: the waiting queues run, or their requests are answered with the failure. */
    private void loaded(String model, int status, String detail) {
        List<Queue> waiting;
        synchronized (loading) {
            waiting = loading.remove(model);
        }
        if (waiting == null) {
            return;
        }
        for (Queue queue : waiting) {
            if (status == PredictReply.OK) {
                dispatch(queue);
                continue;
            }
            List<PendingPrediction> failed;
            synchronized (queue) {
                failed = new ArrayList<>(queue.pending);
                queue.pending.clear();
            }
            live(failed).forEach(p -> fail(p, status, detail));
            // requests that came meanwhile try again: the cache answers at once while it pauses after a failure
            next(queue);
        }
    }

    private void dropAll(Queue queue) {
        synchronized (queue) {
            for (PendingPrediction prediction : queue.pending) {
                if (prediction.settle()) {
                    queued.decrementAndGet();
                }
            }
            queue.pending.clear();
            queue.active = false;
            queue.retired = true;
            queues.remove(queue.key, queue);
        }
    }

    private void succeed(PendingPrediction prediction, List<OutputTensor> outputs, long micros, int batchRequests) {
        reply(
                prediction,
                new PredictReply(
                        prediction.request().requestId(),
                        PredictReply.OK,
                        null,
                        outputs,
                        device.name(),
                        micros,
                        batchRequests,
                        workerId));
    }

    private void fail(PendingPrediction prediction, int status, String detail) {
        reply(
                prediction,
                PredictReply.failure(prediction.request().requestId(), status, detail, device.name(), workerId));
    }

    private void reply(PendingPrediction prediction, PredictReply reply) {
        if (!prediction.settle()) {
            return;
        }
        queued.decrementAndGet();
        try {
            sink.reply(prediction, reply);
        } catch (RuntimeException e) {
            LOG.warnf("the reply to %s was not sent: %s", reply.requestId(), e.toString());
        }
        metrics.predictReplied(reply.status(), System.nanoTime() - prediction.receivedNanos());
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
