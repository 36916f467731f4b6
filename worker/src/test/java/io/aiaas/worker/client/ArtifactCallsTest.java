package io.aiaas.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.id.Ids;
import io.aiaas.infra.testing.InfraTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's calls to model-service through the REST client, against a stand-in that misbehaves on purpose:
 * retries where a second try is safe, none where a claim may have counted, a circuit breaker that keeps the worker off
 * a failing model-service and lets it back in, and a read timeout on a stalled artifact body.
 */
@QuarkusTest
@TestProfile(ArtifactCallsTest.StandIn.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArtifactCallsTest {

    /** Only the stand-in and Kafka (the job loop runs in every worker), and short timeouts. */
    public static class StandIn implements QuarkusTestProfile {
        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(
                    new TestResourceEntry(StandInModelService.class),
                    new TestResourceEntry(InfraTestResource.class, Map.of(InfraTestResource.KAFKA, "true")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            String claim = "quarkus.fault-tolerance.\"io.aiaas.worker.client.ModelServiceCalls/claimAll\"";
            String download = "quarkus.fault-tolerance.\"io.aiaas.worker.client.ModelServiceCalls/download\"";
            return Map.of(
                    // the download tests fail on purpose one after another: the breaker must not cut them short
                    download + ".circuit-breaker.request-volume-threshold",
                    "50",
                    "aiaas.worker.http.request-timeout",
                    "1s",
                    "aiaas.worker.http.artifact-read-timeout",
                    "1s",
                    claim + ".circuit-breaker.delay",
                    "1",
                    claim + ".circuit-breaker.delay-unit",
                    "seconds");
        }
    }

    @Inject
    ModelServiceClient modelService;

    @Inject
    ArtifactClient artifacts;

    @TempDir
    Path tmp;

    /** One job's claim, as the job loop makes it. */
    private ClaimResult claim(String jobId) {
        return modelService.claimAll(List.of(jobId), "req_1").get(jobId);
    }

    @Test
    @Order(4)
    void aClaimThatSurelyDidNotCountIsRetried() {
        String job = Ids.newId(Ids.JOB);
        StandInModelService.answer(job, "503", "503");
        ClaimResult claim = claim(job);
        assertTrue(claim.proceed());
        assertEquals(3, StandInModelService.callsOf("claim:" + job), "two retries, then the answer");
        assertEquals(0, StandInModelService.unauthorized.get());
    }

    @Test
    @Order(5)
    void aClaimWithoutAnAnswerIsNotRetried() {
        String job = Ids.newId(Ids.JOB);
        StandInModelService.answer(job, "silent");
        long start = System.nanoTime();
        assertThrows(ModelServiceUnavailableException.class, () -> claim(job));
        assertTrue(System.nanoTime() - start < 2_500_000_000L, "gave up after the 1 s request timeout");
        // model-service may have counted it: the job loop's redelivery claims again, not a hidden retry
        assertEquals(1, StandInModelService.callsOf("claim:" + job));
    }

    @Test
    @Order(Integer.MAX_VALUE) // last of the claims: it leaves the breaker closed, but its failures fill the window
    void aFailingModelServiceOpensTheCircuitAndIsTriedAgainLater() throws Exception {
        String failing = Ids.newId(Ids.JOB);
        StandInModelService.answer(failing, "500", "500", "500", "500", "500", "500", "500", "500", "500", "500");
        int calls = 0;
        for (int i = 0; i < 5; i++) {
            assertThrows(ModelServiceUnavailableException.class, () -> claim(failing));
        }
        calls = StandInModelService.callsOf("claim:" + failing);
        assertTrue(calls < 15, "the breaker stopped the calls before every attempt was made: " + calls);
        String other = Ids.newId(Ids.JOB);
        assertThrows(ModelServiceUnavailableException.class, () -> claim(other));
        assertEquals(0, StandInModelService.callsOf("claim:" + other), "while open, nothing reaches model-service");

        Thread.sleep(1500);
        assertTrue(claim(other).proceed(), "half-open after the delay, closed on success");
        assertTrue(claim(Ids.newId(Ids.JOB)).proceed());
    }

    @Test
    @Order(1)
    void anArtifactIsDownloadedCheckedAndUnpacked() throws Exception {
        StandInModelService.artifactMode = "ok";
        StandInModelService.artifact = zip("saved_model.pb", "pb", "variables/variables.index", "i");
        Path target = tmp.resolve("ok");
        Path root = artifacts.fetch("mdl_1", 1, "ten_1", "req_3", target);
        assertEquals(target, root);
        assertEquals("pb", Files.readString(root.resolve("saved_model.pb")));
        assertEquals("i", Files.readString(root.resolve("variables/variables.index")));
        assertEquals(List.of(target), leftIn(tmp), "only the unpacked tree: no download or half-unpacked folder");

        // a SavedModel under one top-level folder is found there
        StandInModelService.artifact = zip("export/saved_model.pb", "pb2");
        Path nested = artifacts.fetch("mdl_1", 2, "ten_1", null, tmp.resolve("nested"));
        assertEquals(tmp.resolve("nested").resolve("export"), nested);
    }

    @Test
    @Order(2)
    void aStalledArtifactBodyFailsAtTheReadTimeout() throws Exception {
        StandInModelService.artifactMode = "stall";
        StandInModelService.artifact = zip("saved_model.pb", "x".repeat(200_000));
        int before = StandInModelService.callsOf("artifact");
        long start = System.nanoTime();
        assertThrows(
                ModelServiceUnavailableException.class,
                () -> artifacts.fetch("mdl_1", 1, "ten_1", "req_4", tmp.resolve("stalled")));
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 6, "two tries of a 1 s read timeout, not the stand-in's 4 s silence each: " + seconds);
        assertEquals(2, StandInModelService.callsOf("artifact") - before, "a download is retried once");
        assertEquals(List.of(), leftIn(tmp), "the partial download is deleted");
    }

    @Test
    @Order(3)
    void aSilentArtifactServerTimesOut() throws Exception {
        StandInModelService.artifactMode = "silent";
        StandInModelService.artifact = zip("saved_model.pb", "pb");
        int before = StandInModelService.callsOf("artifact");
        long start = System.nanoTime();
        assertThrows(
                ModelServiceUnavailableException.class,
                () -> artifacts.fetch("mdl_1", 1, "ten_1", null, tmp.resolve("silent")));
        long millis = (System.nanoTime() - start) / 1_000_000L;
        assertTrue(millis < 3_900, "two tries of a 1 s read timeout, not the stand-in's 4 s silence: " + millis);
        assertEquals(2, StandInModelService.callsOf("artifact") - before);
        assertEquals(List.of(), leftIn(tmp));
    }

    @Test
    @Order(3)
    void aDamagedOrMissingArtifactIsToldAndLeavesNothing() throws Exception {
        StandInModelService.artifact = zip("saved_model.pb", "pb");
        StandInModelService.artifactMode = "missing";
        assertThrows(
                ArtifactUnavailableException.class,
                () -> artifacts.fetch("mdl_1", 1, "ten_1", null, tmp.resolve("missing")));
        assertEquals(List.of(), leftIn(tmp));

        StandInModelService.artifactMode = "bad-checksum";
        int before = StandInModelService.callsOf("artifact");
        assertThrows(
                ModelServiceUnavailableException.class,
                () -> artifacts.fetch("mdl_1", 1, "ten_1", null, tmp.resolve("bad")));
        assertEquals(2, StandInModelService.callsOf("artifact") - before, "a damaged transfer is tried once more");
        assertEquals(List.of(), leftIn(tmp), "the download that does not match its checksum is deleted");

        // the checksum is right, but the archive escapes its root: refused while unpacking, nothing kept
        StandInModelService.artifactMode = "ok";
        StandInModelService.artifact = zip("saved_model.pb", "pb", "../escape.txt", "x");
        assertThrows(
                ArtifactUnavailableException.class,
                () -> artifacts.fetch("mdl_1", 1, "ten_1", null, tmp.resolve("unsafe")));
        assertEquals(List.of(), leftIn(tmp));
        assertFalse(Files.exists(tmp.getParent().resolve("escape.txt")));

        StandInModelService.artifact = zip("README.md", "not a model");
        assertThrows(
                ArtifactUnavailableException.class,
                () -> artifacts.fetch("mdl_1", 1, "ten_1", null, tmp.resolve("not-a-model")));
        assertEquals(List.of(), leftIn(tmp));
    }

    static List<Path> leftIn(Path dir) throws IOException {
        try (var left = Files.list(dir)) {
            return left.sorted().toList();
        }
    }

    static byte[] zip(String... namesAndContents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                zip.putNextEntry(new ZipEntry(namesAndContents[i]));
                zip.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
