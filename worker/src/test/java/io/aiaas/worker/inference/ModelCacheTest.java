package io.aiaas.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.ResponseOutput;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.infra.testing.SharedTestData;
import io.aiaas.worker.client.ArtifactUnavailableException;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.service.WorkerMetrics;
import io.aiaas.worker.testing.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model cache with real TensorFlow: twelve SavedModels that each compute a different known function, fetched by
 * copying their exported directories (the download itself is ArtifactCallsTest's), loaded, leased, evicted and closed
 * under concurrent use.
 */
class ModelCacheTest {
    /** Seconds the concurrency test runs: 60 by default, as issue 6 asks; {@code -Daiaas.test.model-cache.seconds=5}. */
    static final long SECONDS = Long.getLong("aiaas.test.model-cache.seconds", 60);

    static final int MODELS = 12;
    static final float[][] W = {{1f, 2f}, {3f, 4f}, {5f, 6f}};

    @TempDir
    static Path exported;

    @TempDir
    Path cacheDir;

    static final List<Path> models = new ArrayList<>();

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final InferenceEngine engine = new InferenceEngine(new WorkerMetrics(registry));
    final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();
    ModelCache cache;

    /** Thousands of loads and evictions: their INFO lines would drown the build's output (warnings still show). */
    private static final java.util.logging.Logger CACHE_LOG =
            java.util.logging.Logger.getLogger(ModelCache.class.getName());

    @BeforeAll
    static void exportModels() {
        CACHE_LOG.setLevel(java.util.logging.Level.WARNING);
        for (int i = 0; i < MODELS; i++) {
            Path dir = exported.resolve("dense-" + i);
            DenseSavedModel.export(dir, W, bias(i));
            models.add(dir);
        }
    }

    /** Model {@code i} computes x·W + (i, −i). */
    static float[] bias(int i) {
        return new float[] {i, -i};
    }

    @AfterEach
    void close() {
        if (cache != null) {
            cache.closeAll();
        }
    }

    ModelCache cache(int maxModels, long maxBytes, Duration backoff, ModelCache.ArtifactFetch fetch) {
        cache = new ModelCache(
                new ModelCache.Settings(
                        maxModels, maxBytes, backoff, backoff.multipliedBy(4), 1, 1, Optional.of(cacheDir)),
                fetch,
                new ComputeDevice("auto", 1.0, 10.0),
                new WorkerMetrics(registry));
        return cache;
    }

    /** Serves {@code dense-<i>} for model id {@code m<i>} by copying its export, counting each fetch. */
    ModelCache.ArtifactFetch copies() {
        return (modelId, version, tenantId, requestId, target) -> {
            fetches.computeIfAbsent(modelId, k -> new AtomicInteger()).incrementAndGet();
            Path source = modelId.equals("python")
                    ? TestModels.pythonSavedModel()
                    : models.get(Integer.parseInt(modelId.substring(1)));
            copyTree(source, target);
            return target;
        };
    }

    static void copyTree(Path source, Path target) {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path to = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(file, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int fetchesOf(String modelId) {
        AtomicInteger n = fetches.get(modelId);
        return n == null ? 0 : n.get();
    }

    double counter(String name) {
        var counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Runs model {@code m<i>} on a random row and checks the answer against x·W + b computed in Java. */
    void runAndCheck(ModelCache cache, int i) {
        float[][] x = {{rnd(), rnd(), rnd()}};
        InferenceRequest request = request(x);
        try (ModelLease lease = cache.acquire("m" + i, 1, "ten_1", null)) {
            LoadedModel model = lease.model();
            Prediction p = engine.predict(model, null, request);
            assertFalse(model.isClosed(), "a leased model stays open through its run");
            float[][] expected = TestModels.dense(x, W, bias(i));
            ResponseOutput y = p.outputs().get(0);
            for (int c = 0; c < 2; c++) {
                float got = y.data().get(c).floatValue();
                if (Math.abs(expected[0][c] - got) > 1e-3) {
                    throw new AssertionError("model m" + i + " answered " + got + " where x·W+b is " + expected[0][c]);
                }
            }
        }
    }

    static float rnd() {
        return ThreadLocalRandom.current().nextInt(-100, 100) / 10f;
    }

    static InferenceRequest request(float[][] x) {
        return new InferenceRequest(
                "r",
                null,
                List.of(new RequestInput(
                        "x",
                        List.of((long) x.length, 3L),
                        "FP32",
                        null,
                        Json.mapper().valueToTree(x))),
                null);
    }

    @Test
    void manyThreadsRunLoadAndEvictManyModelsAndEveryAnswerIsRight() throws Exception {
        ModelCache cache = cache(3, Long.MAX_VALUE, Duration.ofMillis(100), copies());
        boolean python = SharedTestData.pythonSavedModel().isPresent();
        int choices = python ? MODELS + 1 : MODELS;
        ExecutorService threads = Executors.newFixedThreadPool(8);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLong runs = new AtomicLong();
        AtomicInteger mostLoaded = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            workers.add(threads.submit(() -> {
                while (System.nanoTime() < end && errors.isEmpty()) {
                    int i = ThreadLocalRandom.current().nextInt(choices);
                    try {
                        if (i == MODELS) {
                            runPython(cache);
                        } else {
                            runAndCheck(cache, i);
                        }
                        runs.incrementAndGet();
                        mostLoaded.accumulateAndGet(cache.loadedModels().size(), Math::max);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }
            }));
        }
        threads.shutdown();
        assertTrue(threads.awaitTermination(SECONDS + 60, TimeUnit.SECONDS), "the threads finished");
        for (Future<?> worker : workers) {
            worker.get();
        }
        if (!errors.isEmpty()) {
            AssertionError failure = new AssertionError(errors.size() + " runs failed; the first: " + errors.peek());
            errors.forEach(failure::addSuppressed);
            throw failure;
        }
        System.out.printf(
                "model cache: %d runs in %d s on 8 threads, %.0f loads, %.0f evictions%n",
                runs.get(),
                SECONDS,
                registry.find("aiaas.worker.models.loads").counter().count(),
                counter("aiaas.worker.models.evicted"));
        assertTrue(runs.get() >= SECONDS, "runs: " + runs.get());
        assertTrue(mostLoaded.get() <= 3, "never more than 3 models loaded: " + mostLoaded.get());
        assertTrue(
                counter("aiaas.worker.models.evicted") >= Math.min(10, SECONDS),
                "models were evicted while in use elsewhere");
        assertEquals(
                0,
                registry.find("aiaas.worker.models.loads")
                        .tag("outcome", "failed")
                        .counters()
                        .size());

        cache.closeAll();
        try (Stream<Path> left = Files.list(cacheDir)) {
            assertEquals(List.of(), left.toList(), "every closed model deleted its unpacked files");
        }
    }

    void runPython(ModelCache cache) {
        InferenceRequest request = new InferenceRequest(
                "r",
                null,
                List.of(
                        new RequestInput("a", List.of(3L), "FP32", null, Json.read("[1,2,3]", JsonNode.class)),
                        new RequestInput("b", List.of(3L), "FP32", null, Json.read("[10,20,30]", JsonNode.class))),
                null);
        try (ModelLease lease = cache.acquire("python", 1, "ten_1", null)) {
            Prediction p = engine.predict(lease.model(), "add", request);
            List<Float> sum = new ArrayList<>();
            p.outputs().get(0).data().forEach(n -> sum.add(n.floatValue()));
            assertEquals(List.of(11f, 22f, 33f), sum);
        }
    }

    @Test
    void thePythonSavedModelIsServedThroughTheCache() {
        TestModels.pythonSavedModel();
        ModelCache cache = cache(2, Long.MAX_VALUE, Duration.ofMillis(100), copies());
        runPython(cache);
        runPython(cache);
        assertEquals(1, fetchesOf("python"));
        assertEquals(List.of("python/1"), cache.loadedModels());
    }

    @Test
    void concurrentRequestsForOneModelShareOneLoad() throws Exception {
        ModelCache.ArtifactFetch copies = copies();
        ModelCache cache = cache(3, Long.MAX_VALUE, Duration.ofMillis(100), (m, v, t, r, target) -> {
            sleep(300); // long enough for every request to arrive while it loads
            return copies.fetch(m, v, t, r, target);
        });
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(threads.submit(() -> runAndCheck(cache, 5)));
            }
            for (Future<?> run : runs) {
                run.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1, fetchesOf("m5"), "one download and load for eight requests");
        assertEquals(List.of("m5/1"), cache.loadedModels());
    }

    @Test
    void differentModelsLoadInParallel() throws Exception {
        CountDownLatch bothFetching = new CountDownLatch(2);
        ModelCache.ArtifactFetch copies = copies();
        ModelCache cache = cache(3, Long.MAX_VALUE, Duration.ofMillis(100), (m, v, t, r, target) -> {
            bothFetching.countDown();
            try {
                // with one lock around downloads, the second fetch could not start while the first waits here
                if (!bothFetching.await(10, TimeUnit.SECONDS)) {
                    throw new ModelServiceUnavailableException("the other model's download never started");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return copies.fetch(m, v, t, r, target);
        });
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<?> a = threads.submit(() -> runAndCheck(cache, 1));
            Future<?> b = threads.submit(() -> runAndCheck(cache, 2));
            a.get(30, TimeUnit.SECONDS);
            b.get(30, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
        assertEquals(List.of("m1/1", "m2/1"), cache.loadedModels());
    }

    @Test
    void anEvictedModelStaysOpenUntilItsLastRunEnds() throws Exception {
        ModelCache cache = cache(1, Long.MAX_VALUE, Duration.ofMillis(100), copies());
        ModelLease first = cache.acquire("m3", 1, "ten_1", null);
        LoadedModel three = first.model();
        runAndCheck(cache, 4); // loads m4, evicts m3
        assertEquals(List.of("m4/1"), cache.loadedModels());
        assertFalse(three.isClosed(), "m3 is still leased");
        Prediction p = engine.predict(three, null, request(new float[][] {{1, 1, 1}}));
        assertEquals(9f + 3f, p.outputs().get(0).data().get(0).floatValue(), 1e-4);
        first.close();
        assertTrue(three.isClosed(), "the last lease closed the evicted model");
        try (Stream<Path> left = Files.list(cacheDir)) {
            assertTrue(
                    left.noneMatch(dir -> dir.getFileName().toString().startsWith("model-m3-")), "its files are gone");
        }
        first.close(); // a second close changes nothing
        assertThrows(IllegalStateException.class, first::model);
        runAndCheck(cache, 3); // and it loads again when asked
        assertEquals(2, fetchesOf("m3"));
    }

    @Test
    void theByteBoundEvictsByTheModelsSizeOnDisk() throws Exception {
        long size;
        try (Stream<Path> files = Files.walk(models.get(0))) {
            size = files.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
        ModelCache cache = cache(10, size * 5 / 2, Duration.ofMillis(100), copies());
        for (int i = 0; i < 5; i++) {
            runAndCheck(cache, i);
        }
        assertEquals(List.of("m3/1", "m4/1"), cache.loadedModels(), "two models fit, the least recent went first");
        runAndCheck(cache, 3); // m3 is now the most recent
        runAndCheck(cache, 5);
        assertEquals(List.of("m3/1", "m5/1"), cache.loadedModels());
        // a model larger than the bound on its own is still served
        ModelCache tight = new ModelCache(
                new ModelCache.Settings(
                        10,
                        1,
                        Duration.ofMillis(100),
                        Duration.ofMillis(100),
                        1,
                        1,
                        Optional.of(cacheDir.resolve("t"))),
                copies(),
                new ComputeDevice("cpu", 1.0, 10.0),
                new WorkerMetrics(registry));
        try {
            runAndCheck(tight, 7);
            runAndCheck(tight, 8);
            assertEquals(List.of("m8/1"), tight.loadedModels());
        } finally {
            tight.closeAll();
        }
    }

    @Test
    void aFailedLoadIsNotKeptAndIsTriedAgainAfterAShortPause() {
        AtomicInteger failuresLeft = new AtomicInteger(2);
        ModelCache.ArtifactFetch copies = copies();
        ModelCache cache = cache(3, Long.MAX_VALUE, Duration.ofMillis(500), (m, v, t, r, target) -> {
            if (failuresLeft.getAndDecrement() > 0) {
                fetches.computeIfAbsent(m, k -> new AtomicInteger()).incrementAndGet();
                throw new ModelServiceUnavailableException("model-service is restarting");
            }
            return copies.fetch(m, v, t, r, target);
        });
        assertThrows(ModelServiceUnavailableException.class, () -> runAndCheck(cache, 6));
        // at once again: the same failure, without hammering model-service
        assertThrows(ModelServiceUnavailableException.class, () -> runAndCheck(cache, 6));
        assertEquals(1, fetchesOf("m6"), "no second download during the pause");
        assertEquals(List.of(), cache.loadedModels());
        sleep(600);
        assertThrows(ModelServiceUnavailableException.class, () -> runAndCheck(cache, 6));
        assertEquals(2, fetchesOf("m6"), "tried again after the pause");
        sleep(300); // the pause doubled to 1 s
        assertThrows(ModelServiceUnavailableException.class, () -> runAndCheck(cache, 6));
        assertEquals(2, fetchesOf("m6"), "the pause grows while the load keeps failing");
        sleep(800);
        runAndCheck(cache, 6);
        assertEquals(3, fetchesOf("m6"));
        assertEquals(List.of("m6/1"), cache.loadedModels());
        // other models were never held up
        runAndCheck(cache, 7);
    }

    @Test
    void aLoaderStoppedByItsOwnJobDoesNotFailTheOthersWaitingForTheModel() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ModelCache.ArtifactFetch copies = copies();
        ModelCache cache = cache(3, Long.MAX_VALUE, Duration.ofSeconds(30), (m, v, t, r, target) -> {
            if (calls.incrementAndGet() == 1) {
                loading.countDown();
                try {
                    Thread.sleep(20_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // as an interrupted download leaves it
                    throw new ModelServiceUnavailableException("download interrupted", e);
                }
            }
            return copies.fetch(m, v, t, r, target);
        });
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<?> cancelled = threads.submit(() -> runAndCheck(cache, 10));
            assertTrue(loading.await(10, TimeUnit.SECONDS));
            Future<?> waiting = threads.submit(() -> runAndCheck(cache, 10));
            sleep(200); // the second request now waits for the first one's load
            cancelled.cancel(true);
            waiting.get(30, TimeUnit.SECONDS); // loads it itself, at once: no 30 s pause for the model
        } finally {
            threads.shutdownNow();
        }
        assertEquals(List.of("m10/1"), cache.loadedModels());
        assertEquals(2, calls.get());
    }

    @Test
    void aModelTensorFlowCannotLoadFailsTheRequestAndLeavesNothingBehind() throws Exception {
        AtomicInteger broken = new AtomicInteger(1);
        ModelCache.ArtifactFetch copies = copies();
        ModelCache cache = cache(3, Long.MAX_VALUE, Duration.ofMillis(50), (m, v, t, r, target) -> {
            Path dir = copies.fetch(m, v, t, r, target);
            if (broken.getAndDecrement() > 0) {
                try {
                    Files.writeString(dir.resolve("saved_model.pb"), "not a graph");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return dir;
        });
        ArtifactUnavailableException e = assertThrows(ArtifactUnavailableException.class, () -> runAndCheck(cache, 9));
        assertEquals("The model version cannot be loaded by TensorFlow.", e.getMessage());
        try (Stream<Path> left = Files.list(cacheDir)) {
            assertEquals(List.of(), left.toList(), "the unpacked files of the failed load are deleted");
        }
        sleep(100);
        runAndCheck(cache, 9); // a fixed artifact loads on the next request after the pause
        assertEquals(2, fetchesOf("m9"));
    }

    @Test
    void aLeaseIsTheOnlyWayInAndLoadedModelsSaysWhatIsLoaded() {
        ModelCache cache = cache(3, Long.MAX_VALUE, Duration.ofMillis(100), copies());
        try (ModelLease a = cache.acquire("m1", 1, "ten_1", null);
                ModelLease b = cache.acquire("m1", 1, "ten_1", null)) {
            assertSame(a.model(), b.model(), "one loaded copy per version");
        }
        runAndCheck(cache, 0);
        assertEquals(Set.of("m0/1", "m1/1"), Set.copyOf(cache.loadedModels()));
        System.gc(); // the gauge must not lose its source to the garbage collector
        assertEquals(2, registry.find("aiaas.worker.models.loaded").gauge().value());
        cache.closeAll();
        assertEquals(List.of(), cache.loadedModels());
        assertThrows(ModelServiceUnavailableException.class, () -> cache.acquire("m1", 1, "ten_1", null));
    }

    @Test
    void leaseIfLoadedNeverLoadsNorWaitsForALoad() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ModelCache.ArtifactFetch copies = copies();
        ModelCache cache = cache(3, Long.MAX_VALUE, Duration.ofMillis(100), (m, v, t, r, target) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return copies.fetch(m, v, t, r, target);
        });
        assertTrue(cache.leaseIfLoaded("m1", 1).isEmpty(), "not loaded: nothing, and no load started");
        assertEquals(0, fetchesOf("m1"));
        ExecutorService loader = Executors.newSingleThreadExecutor();
        try {
            Future<?> loading =
                    loader.submit(() -> cache.acquire("m1", 1, "ten_1", null).close());
            sleep(100);
            assertTrue(cache.leaseIfLoaded("m1", 1).isEmpty(), "loading: nothing, at once");
            release.countDown();
            loading.get(30, TimeUnit.SECONDS);
        } finally {
            loader.shutdownNow();
        }
        try (ModelLease lease = cache.leaseIfLoaded("m1", 1).orElseThrow()) {
            assertFalse(lease.model().isClosed());
        }
        assertEquals(1, fetchesOf("m1"));
    }

    @Test
    void anEvictedVersionClosesOnceItsLastLeaseEndsAndLoadsAgainWhenAsked() {
        ModelCache cache = cache(4, Long.MAX_VALUE, Duration.ofMillis(100), copies());
        ModelLease held = cache.acquire("m2", 1, "ten_1", null);
        runAndCheck(cache, 3);
        assertTrue(cache.evict("m2", 1));
        assertFalse(cache.evict("m2", 1), "already out");
        assertEquals(List.of("m3/1"), cache.loadedModels());
        assertTrue(cache.leaseIfLoaded("m2", 1).isEmpty(), "no new lease on an evicted version");
        assertFalse(held.model().isClosed(), "a run still holds it");
        LoadedModel two = held.model();
        held.close();
        assertTrue(two.isClosed());
        runAndCheck(cache, 2);
        assertEquals(2, fetchesOf("m2"), "asked again, it loads again");

        runAndCheck(cache, 4);
        assertEquals(0, cache.evictModel("m9"));
        assertEquals(1, cache.evictModel("m4"));
        assertEquals(Set.of("m2/1", "m3/1"), Set.copyOf(cache.loadedModels()));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
