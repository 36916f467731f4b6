package io.aiaas.model.service;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.archive.SavedModelArchive.Format;
import io.aiaas.common.error.ApiException;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Owner;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The model archives on disk: {@code <artifact-dir>/<owner>/<modelId>/<version>/model.<zip|tar.gz>}. Uploads are
 * staged under {@code <artifact-dir>/.staging}, on the same file system, so accepting one is a rename.
 */
@ApplicationScoped
public class ArtifactStore {
    private static final String STAGING = ".staging";

    private final Path root;

    public ArtifactStore(ModelServiceConfig config) {
        this.root = config.artifactDir().toAbsolutePath().normalize();
    }

    /** An upload written to a staging file, with its size and the SHA-256 of its bytes. */
    public record Staged(Path file, long sizeBytes, String sha256) {}

    /** Streams {@code body} to a staging file; 413 (and nothing left behind) past {@code maxBytes}. */
    public Staged stage(InputStream body, long maxBytes) throws IOException {
        Path file = Files.createTempFile(stagingDir(), "upload-", ".part");
        boolean ok = false;
        try (OutputStream out = Files.newOutputStream(file)) {
            Staged copied = copy(body, out, maxBytes, "The archive");
            ok = true;
            return new Staged(file, copied.sizeBytes(), copied.sha256());
        } finally {
            if (!ok) {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * The SHA-256 of {@code body}, read to its end and kept nowhere (a repeated upload, told apart from another by
     * its digest alone); 413 past {@code maxBytes}.
     */
    public String sha256Of(InputStream body, long maxBytes) throws IOException {
        return copy(body, OutputStream.nullOutputStream(), maxBytes, "The body").sha256();
    }

    /** Copies {@code body} to {@code out}: its size and digest (no file). */
    private static Staged copy(InputStream body, OutputStream out, long maxBytes, String what) throws IOException {
        MessageDigest sha = sha256();
        long size = 0;
        byte[] buf = new byte[256 * 1024];
        int n;
        while ((n = body.read(buf)) > 0) {
            size += n;
            if (size > maxBytes) {
                throw ApiException.tooLarge(what + " is larger than the limit of " + maxBytes + " bytes.");
            }
            sha.update(buf, 0, n);
            out.write(buf, 0, n);
        }
        return new Staged(null, size, HexFormat.of().formatHex(sha.digest()));
    }

    /** A fresh directory under staging to unpack into. */
    public Path newUnpackDir() throws IOException {
        return Files.createTempDirectory(stagingDir(), "unpack-");
    }

    /** Moves a staged archive to its version's place; returns its path relative to the artifact directory. */
    public String place(Staged staged, Owner owner, String modelId, int version, Format format) throws IOException {
        Path dir = versionDir(owner, modelId, version);
        // a directory left by a crash between placing and committing holds nothing anyone refers to
        SavedModelArchive.deleteTree(dir);
        Files.createDirectories(dir);
        Path target = dir.resolve(format == Format.ZIP ? "model.zip" : "model.tar.gz");
        return move(staged, target);
    }

    /** Moves a staged dataset CSV to its place; returns its path relative to the artifact directory. */
    public String placeDataset(Staged staged, String tenantId, String datasetId) throws IOException {
        Path target = datasetFile(tenantId, datasetId);
        Files.createDirectories(target.getParent());
        return move(staged, target);
    }

    /** Moves a staged file to {@code target} (atomically where the file system can); its path relative to the root. */
    private String move(Staged staged, Path target) throws IOException {
        try {
            Files.move(staged.file(), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staged.file(), target, StandardCopyOption.REPLACE_EXISTING);
        }
        return root.relativize(target).toString();
    }

    /** Moves a staged output part of a batch job to its place (replacing a part of a lapsed attempt); relative path. */
    public String placeOutput(Staged staged, String tenantId, String jobId, long fromRow) throws IOException {
        Path target = outputDir(tenantId, jobId).resolve("part-" + fromRow + ".ndjson");
        Files.createDirectories(target.getParent());
        return move(staged, target);
    }

    /** Moves a staged training checkpoint to {@code <job dir>/checkpoint-<epoch>.bin}; relative path. */
    public String placeCheckpoint(Staged staged, String tenantId, String jobId, int epoch) throws IOException {
        Path target = outputDir(tenantId, jobId).resolve("checkpoint-" + epoch + ".bin");
        Files.createDirectories(target.getParent());
        return move(staged, target);
    }

    /** {@code <artifact-dir>/<tenant>/jobs/<jobId>}: a batch job's output parts, a training job's checkpoints. */
    public Path outputDir(String tenantId, String jobId) {
        return root.resolve(tenantId).resolve("jobs").resolve(jobId);
    }

    /** {@code <artifact-dir>/<tenant>/datasets/<id>.csv} (model ids never read "datasets"). */
    public Path datasetFile(String tenantId, String datasetId) {
        return root.resolve(tenantId).resolve("datasets").resolve(datasetId + ".csv");
    }

    public Path resolve(String relativePath) {
        Path p = root.resolve(relativePath).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalStateException("artifact path outside the artifact directory");
        }
        return p;
    }

    public void deleteVersion(Owner owner, String modelId, int version) {
        SavedModelArchive.deleteTree(versionDir(owner, modelId, version));
    }

    public void deleteModel(Owner owner, String modelId) {
        SavedModelArchive.deleteTree(root.resolve(owner.tenantId()).resolve(modelId));
    }

    /**
     * Deletes everything stored for a deleted tenant ({@code <artifact-dir>/<tenant>}: models, datasets, job outputs);
     * whether nothing of it is left.
     */
    public boolean deleteTenant(String tenantId) {
        Path dir = root.resolve(Owner.tenant(tenantId).tenantId()).normalize();
        if (!root.equals(dir.getParent()) || tenantId.startsWith(".")) {
            throw new IllegalArgumentException("not a tenant's directory: " + tenantId);
        }
        SavedModelArchive.deleteTree(dir);
        return !Files.exists(dir);
    }

    public Path versionDir(Owner owner, String modelId, int version) {
        return root.resolve(owner.tenantId()).resolve(modelId).resolve(Integer.toString(version));
    }

    public Path stagingDir() throws IOException {
        return Files.createDirectories(root.resolve(STAGING));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
