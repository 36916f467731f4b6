package io.aiaas.common.archive;

import io.aiaas.common.error.ApiException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;

/**
 * Unpacks a SavedModel directory packed as zip or tar.gz, refusing anything that could escape the target: entries
 * outside the root, links, special files, and expansion past a byte limit. The SavedModel sits at the archive root or
 * under one top-level folder.
 */
public final class SavedModelArchive {
    public static final String SAVED_MODEL_FILE = "saved_model.pb";

    public enum Format {
        ZIP,
        TAR_GZ;

        /** The format a request's Content-Type names; 415 for anything else. */
        public static Format fromContentType(String contentType) {
            String base = contentType == null
                    ? ""
                    : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            return switch (base) {
                case "application/zip", "application/x-zip-compressed" -> ZIP;
                case "application/gzip", "application/x-gzip", "application/x-tar+gzip", "application/x-gtar" -> TAR_GZ;
                default -> throw ApiException.unsupportedMediaType(
                        "A model version is uploaded as application/zip or application/gzip (tar.gz).");
            };
        }

        public String contentType() {
            return this == ZIP ? "application/zip" : "application/gzip";
        }
    }

    private SavedModelArchive() {}

    /**
     * Unpacks {@code in} into the empty directory {@code target} and returns the directory holding
     * {@code saved_model.pb}. On failure the caller deletes {@code target}.
     *
     * @throws ApiException 422 for unsafe or non-SavedModel archives, 413 past {@code maxUnpackedBytes}
     */
    public static Path extract(InputStream in, Format format, Path target, long maxUnpackedBytes) throws IOException {
        Files.createDirectories(target);
        Path root = target.toAbsolutePath().normalize();
        long total = 0;
        try (ArchiveInputStream<? extends ArchiveEntry> archive = open(in, format)) {
            ArchiveEntry entry;
            while ((entry = nextEntry(archive)) != null) {
                String name = entry.getName().replace('\\', '/');
                while (name.startsWith("./")) {
                    name = name.substring(2);
                }
                if (name.isEmpty() || name.equals(".")) {
                    continue;
                }
                if (isLinkOrSpecial(entry)) {
                    throw ApiException.unprocessable("The archive contains a link or special file: " + safe(name));
                }
                if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
                    throw ApiException.unprocessable("The archive contains an absolute path: " + safe(name));
                }
                Path dest = root.resolve(name).normalize();
                if (!dest.startsWith(root) || dest.equals(root)) {
                    throw ApiException.unprocessable("The archive contains an entry outside its root: " + safe(name));
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(dest);
                    continue;
                }
                Files.createDirectories(dest.getParent());
                total += copyBounded(archive, dest, maxUnpackedBytes - total);
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw ApiException.unprocessable("The archive is damaged or not a " + format.contentType() + " archive.");
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable("The archive is damaged or not a " + format.contentType() + " archive.");
        }
        return savedModelRoot(root);
    }

    /** The directory under {@code root} that holds {@code saved_model.pb}: the root itself or its one folder. */
    public static Path savedModelRoot(Path root) throws IOException {
        if (Files.isRegularFile(root.resolve(SAVED_MODEL_FILE))) {
            return root;
        }
        List<Path> children = new ArrayList<>();
        try (Stream<Path> list = Files.list(root)) {
            list.forEach(children::add);
        }
        if (children.size() == 1
                && Files.isDirectory(children.get(0))
                && Files.isRegularFile(children.get(0).resolve(SAVED_MODEL_FILE))) {
            return children.get(0);
        }
        throw ApiException.unprocessable(
                "Not a SavedModel: no saved_model.pb at the archive root or under one top-level folder.");
    }

    private static ArchiveInputStream<? extends ArchiveEntry> open(InputStream in, Format format) throws IOException {
        InputStream buffered = new BufferedInputStream(in);
        if (format == Format.ZIP) {
            return new ZipArchiveInputStream(buffered, "UTF-8", true, true);
        }
        try {
            return new TarArchiveInputStream(new GZIPInputStream(buffered));
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw ApiException.unprocessable("The archive is damaged or not a gzip-compressed tar archive.");
        }
    }

    private static ArchiveEntry nextEntry(ArchiveInputStream<? extends ArchiveEntry> archive) throws IOException {
        try {
            return archive.getNextEntry();
        } catch (IOException e) {
            if (e.getClass() == IOException.class
                    || e instanceof java.util.zip.ZipException
                    || e instanceof java.io.EOFException) {
                throw ApiException.unprocessable("The archive is damaged or truncated.");
            }
            throw e;
        }
    }

    private static boolean isLinkOrSpecial(ArchiveEntry entry) {
        if (entry instanceof TarArchiveEntry tar) {
            // TarArchiveEntry.isFile() is true for links too: only plain files and directories pass.
            byte flag = tar.getLinkFlag();
            boolean plainFile =
                    flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
            return !(plainFile || tar.isDirectory());
        }
        if (entry instanceof ZipArchiveEntry zip) {
            return zip.isUnixSymlink();
        }
        return false;
    }

    private static long copyBounded(InputStream in, Path dest, long remaining) throws IOException {
        long written = 0;
        byte[] buf = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(dest)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                written += n;
                if (written > remaining) {
                    throw ApiException.tooLarge("The archive unpacks to more than the plan's model size limit.");
                }
                out.write(buf, 0, n);
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw ApiException.unprocessable("The archive is damaged or truncated.");
        }
        return written;
    }

    private static String safe(String name) {
        String cleaned = name.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 200 ? cleaned.substring(0, 200) + "…" : cleaned;
    }

    /** Deletes a directory tree, ignoring what is already gone. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
