package io.aiaas.common.archive;

import io.aiaas.common.error.ApiException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Unpacks a SavedModel directory packed as zip or tar.gz, refusing anything that could escape the target or fill the
 * disk: entries outside the root or with absolute paths, links (symbolic and hard) and special files, entries that
 * collide (one path twice, or as both a file and a directory), damaged or truncated archives (all 422), and expansion
 * past a byte limit, counted while unpacking (413). The SavedModel sits at the archive root or under one top-level
 * folder.
 *
 * <p>Zip archives are read through their central directory ({@link ZipFile} on the file): only there do entries carry
 * their Unix file type, so a streaming reader would take a symbolic link for a small file.
 */
public final class SavedModelArchive {
    public static final String SAVED_MODEL_FILE = "saved_model.pb";

    /** More entries than any SavedModel has; a bound on the files an archive of empty entries could make. */
    static final int MAX_ENTRIES = 65_536;

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
     * Unpacks the archive file into the empty directory {@code target} and returns the directory holding
     * {@code saved_model.pb}. On failure the caller deletes {@code target}.
     *
     * @throws ApiException 422 for unsafe, damaged or non-SavedModel archives, 413 past {@code maxUnpackedBytes}
     */
    public static Path extract(Path archive, Format format, Path target, long maxUnpackedBytes) throws IOException {
        Files.createDirectories(target);
        Unpacking unpacking = new Unpacking(target.toAbsolutePath().normalize(), maxUnpackedBytes);
        if (format == Format.ZIP) {
            extractZip(archive, unpacking);
        } else {
            extractTarGz(archive, unpacking);
        }
        return savedModelRoot(unpacking.root);
    }

    /**
     * Packs the SavedModel directory {@code dir} (its {@code saved_model.pb} at the root) into the zip file
     * {@code zip}, as a tenant would upload it: regular files only, paths relative to {@code dir} with {@code /}.
     */
    public static void zip(Path dir, Path zip) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            for (Path file : files) {
                String name = dir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
                out.putNextEntry(new java.util.zip.ZipEntry(name));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
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

    private static void extractZip(Path archive, Unpacking unpacking) throws IOException {
        ZipFile zip;
        try {
            zip = ZipFile.builder().setPath(archive).get();
        } catch (IOException | RuntimeException e) {
            // no end of central directory: not a zip archive, or one cut short
            throw damaged("The archive is damaged, truncated or not a zip archive.");
        }
        try (zip) {
            for (ZipArchiveEntry entry : Collections.list(zip.getEntriesInPhysicalOrder())) {
                Kind kind = kindOf(entry);
                Path dest = unpacking.admit(entry.getName(), kind);
                if (dest == null || kind == Kind.DIRECTORY) {
                    continue;
                }
                if (!zip.canReadEntryData(entry)) {
                    throw ApiException.unprocessable("The archive entry " + safe(entry.getName())
                            + " is encrypted or compressed in a way " + "that is not supported; use deflate or store.");
                }
                InputStream data;
                try {
                    data = zip.getInputStream(entry);
                } catch (IOException | RuntimeException e) {
                    throw damaged("The archive is damaged or truncated.");
                }
                try (data) {
                    unpacking.write(data, dest);
                }
            }
        }
    }

    private static Kind kindOf(ZipArchiveEntry entry) {
        if (entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX) {
            int type = entry.getUnixMode() & UnixStat.FILE_TYPE_FLAG;
            if (type == UnixStat.LINK_FLAG) {
                return Kind.LINK_OR_SPECIAL;
            }
            if (type == UnixStat.DIR_FLAG) {
                return Kind.DIRECTORY;
            }
            if (type != 0 && type != UnixStat.FILE_FLAG) {
                return Kind.LINK_OR_SPECIAL; // fifo, socket, device
            }
        }
        return entry.isDirectory() ? Kind.DIRECTORY : Kind.FILE;
    }

    private static void extractTarGz(Path archive, Unpacking unpacking) throws IOException {
        try (InputStream file = Files.newInputStream(archive)) {
            TarArchiveInputStream tar;
            try {
                tar = new TarArchiveInputStream(new GZIPInputStream(new BufferedInputStream(file)));
            } catch (IOException | RuntimeException e) {
                throw damaged("The archive is damaged, truncated or not a gzip-compressed tar archive.");
            }
            try (tar) {
                TarArchiveEntry entry;
                while ((entry = nextEntry(tar)) != null) {
                    Kind kind = kindOf(entry);
                    Path dest = unpacking.admit(entry.getName(), kind);
                    if (dest != null && kind == Kind.FILE) {
                        unpacking.write(tar, dest);
                    }
                }
            }
        }
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar) {
        try {
            return tar.getNextEntry();
        } catch (IOException | RuntimeException e) {
            throw damaged("The archive is damaged or truncated.");
        }
    }

    private static Kind kindOf(TarArchiveEntry entry) {
        // TarArchiveEntry.isFile() is true for hard links too: only plain files and directories pass.
        byte flag = entry.getLinkFlag();
        if (entry.isDirectory()) {
            return Kind.DIRECTORY;
        }
        if (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG) {
            return Kind.FILE;
        }
        return Kind.LINK_OR_SPECIAL;
    }

    private enum Kind {
        FILE,
        DIRECTORY,
        LINK_OR_SPECIAL
    }

    /** One extraction: where entries may go, what is there already, and how many bytes have been written. */
    private static final class Unpacking {
        private final Path root;
        private final long maxBytes;
        private final Map<Path, Kind> written = new HashMap<>();
        private long bytes;
        private int entries;

        Unpacking(Path root, long maxBytes) {
            this.root = root;
            this.maxBytes = maxBytes;
        }

        /**
         * Checks an entry and makes room for it: the path to write a file to, or null for an entry to skip (the root
         * itself). Directories are created here.
         */
        Path admit(String rawName, Kind kind) throws IOException {
            if (++entries > MAX_ENTRIES) {
                throw ApiException.unprocessable("The archive holds more than " + MAX_ENTRIES + " entries.");
            }
            String name = rawName.replace('\\', '/');
            while (name.startsWith("./")) {
                name = name.substring(2);
            }
            if (name.isEmpty() || name.equals(".")) {
                return null;
            }
            if (kind == Kind.LINK_OR_SPECIAL) {
                throw ApiException.unprocessable("The archive contains a link or special file: " + safe(name));
            }
            if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
                throw ApiException.unprocessable("The archive contains an absolute path: " + safe(name));
            }
            Path dest;
            try {
                dest = root.resolve(name).normalize();
            } catch (InvalidPathException e) {
                throw ApiException.unprocessable("The archive contains an unusable name: " + safe(name));
            }
            if (!dest.startsWith(root) || dest.equals(root)) {
                throw ApiException.unprocessable("The archive contains an entry outside its root: " + safe(name));
            }
            Path relative = root.relativize(dest);
            for (Path parent = relative.getParent(); parent != null; parent = parent.getParent()) {
                if (written.put(parent, Kind.DIRECTORY) == Kind.FILE) {
                    throw collision(parent);
                }
            }
            Kind before = written.put(relative, kind);
            if (before == Kind.FILE || (before == Kind.DIRECTORY && kind == Kind.FILE)) {
                throw before == kind
                        ? ApiException.unprocessable("The archive holds " + safe(relative.toString()) + " twice.")
                        : collision(relative);
            }
            if (kind == Kind.DIRECTORY) {
                Files.createDirectories(dest);
            } else {
                Files.createDirectories(dest.getParent());
            }
            return dest;
        }

        /** Copies one entry's data, counting it against the limit; 422 where the archive's data is damaged. */
        void write(InputStream in, Path dest) throws IOException {
            byte[] buf = new byte[64 * 1024];
            try (OutputStream out = Files.newOutputStream(dest)) {
                int n;
                while ((n = read(in, buf)) > 0) {
                    bytes += n;
                    if (bytes > maxBytes) {
                        throw ApiException.tooLarge(
                                "The archive unpacks to more than the limit of " + maxBytes + " bytes.");
                    }
                    out.write(buf, 0, n);
                }
            }
        }

        private static int read(InputStream in, byte[] buf) {
            try {
                return in.read(buf);
            } catch (IOException | RuntimeException e) {
                throw damaged("The archive is damaged or truncated.");
            }
        }

        private static ApiException collision(Path path) {
            return ApiException.unprocessable(
                    "The archive holds " + safe(path.toString()) + " both as a file and as a directory.");
        }
    }

    private static ApiException damaged(String detail) {
        return ApiException.unprocessable(detail);
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
