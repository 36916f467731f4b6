package io.aiaas.common.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SavedModelArchiveTest {
    private static final SavedModelArchive.Format ZIP = SavedModelArchive.Format.ZIP;
    private static final SavedModelArchive.Format TAR_GZ = SavedModelArchive.Format.TAR_GZ;

    @TempDir
    Path dir;

    private int archives;

    /** Entries as name/content pairs; a name ending in '/' is a directory (its content ignored). */
    static byte[] zip(String... namesAndContents) {
        return zip(null, namesAndContents);
    }

    /** As {@link #zip(String...)}, plus a Unix symbolic link {@code link[0] → link[1]} when given. */
    static byte[] zip(String[] link, String... namesAndContents) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                zip.putArchiveEntry(new ZipArchiveEntry(namesAndContents[i]));
                if (!namesAndContents[i].endsWith("/")) {
                    zip.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
                }
                zip.closeArchiveEntry();
            }
            if (link != null) {
                ZipArchiveEntry entry = new ZipArchiveEntry(link[0]);
                entry.setUnixMode(UnixStat.LINK_FLAG | 0777);
                zip.putArchiveEntry(entry);
                zip.write(link[1].getBytes(StandardCharsets.UTF_8));
                zip.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A tar.gz of plain files, then {@code special} entries as given. */
    static byte[] tarGz(TarArchiveEntry[] special, String... namesAndContents) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                byte[] data = namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
                // preserveAbsolutePath: write names as given, as a hostile tool would
                TarArchiveEntry entry = new TarArchiveEntry(namesAndContents[i], true);
                entry.setSize(data.length);
                tar.putArchiveEntry(entry);
                tar.write(data);
                tar.closeArchiveEntry();
            }
            for (TarArchiveEntry entry : special == null ? new TarArchiveEntry[0] : special) {
                tar.putArchiveEntry(entry);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private Path extract(byte[] archive, SavedModelArchive.Format format, long limit) throws IOException {
        Path file = dir.resolve("archive-" + (++archives));
        Files.write(file, archive);
        return SavedModelArchive.extract(file, format, dir.resolve("out-" + archives), limit);
    }

    private ApiException refused(ProblemType type, byte[] archive, SavedModelArchive.Format format, long limit) {
        ApiException e = assertThrows(ApiException.class, () -> extract(archive, format, limit));
        assertEquals(type, e.type(), e.getMessage());
        return e;
    }

    @Test
    void findsTheSavedModelAtTheRootOrUnderOneFolder() throws IOException {
        Path root = extract(zip("saved_model.pb", "pb", "variables/variables.index", "i"), ZIP, 1000);
        assertTrue(Files.isRegularFile(root.resolve("saved_model.pb")));
        assertTrue(Files.isRegularFile(root.resolve("variables/variables.index")));

        Path nested = extract(zip("./m/saved_model.pb", "pb", "./m/variables/variables.index", "i"), ZIP, 1000);
        assertEquals("m", nested.getFileName().toString());

        Path tar = extract(tarGz(null, "m/saved_model.pb", "pb", "m/variables/variables.index", "i"), TAR_GZ, 1000);
        assertEquals("m", tar.getFileName().toString());
        // a directory entry and the files under it are no collision, nor a directory named twice
        extract(zip("m/", "", "m/", "", "m/saved_model.pb", "pb"), ZIP, 1000);
    }

    @Test
    void refusesArchivesWithoutASavedModel() {
        refused(ProblemType.UNPROCESSABLE, zip("README", "hi"), ZIP, 1000);
    }

    @Test
    void refusesEntriesThatEscapeTheRoot() {
        refused(ProblemType.UNPROCESSABLE, zip("saved_model.pb", "pb", "../evil", "x"), ZIP, 1000);
        refused(ProblemType.UNPROCESSABLE, zip("saved_model.pb", "pb", "a/../../evil", "x"), ZIP, 1000);
        refused(ProblemType.UNPROCESSABLE, zip("saved_model.pb", "pb", "..\\evil", "x"), ZIP, 1000);
        refused(ProblemType.UNPROCESSABLE, tarGz(null, "saved_model.pb", "pb", "/etc/evil", "x"), TAR_GZ, 1000);
        assertFalse(Files.exists(dir.resolve("evil")));
    }

    @Test
    void refusesZipSymbolicLinks() {
        // the local header does not say it is a link: only the central directory does
        ApiException e = refused(
                ProblemType.UNPROCESSABLE,
                zip(new String[] {"variables/link", "/etc/passwd"}, "saved_model.pb", "pb"),
                ZIP,
                1000);
        assertTrue(e.getMessage().contains("link"), e.getMessage());
    }

    @Test
    void refusesTarLinksAndSpecialFiles() {
        TarArchiveEntry symlink = new TarArchiveEntry("variables/link", TarConstants.LF_SYMLINK);
        symlink.setLinkName("/etc/passwd");
        TarArchiveEntry hardlink = new TarArchiveEntry("variables/hard", TarConstants.LF_LINK);
        hardlink.setLinkName("saved_model.pb");
        TarArchiveEntry fifo = new TarArchiveEntry("variables/fifo", TarConstants.LF_FIFO);
        for (TarArchiveEntry special : new TarArchiveEntry[] {symlink, hardlink, fifo}) {
            ApiException e = refused(
                    ProblemType.UNPROCESSABLE,
                    tarGz(new TarArchiveEntry[] {special}, "saved_model.pb", "pb"),
                    TAR_GZ,
                    1000);
            assertTrue(e.getMessage().contains("link or special file"), e.getMessage());
        }
    }

    @Test
    void refusesCollidingEntries() {
        // a file and a directory of the same path, either order
        refused(ProblemType.UNPROCESSABLE, zip("saved_model.pb", "pb", "variables", "x", "variables/", ""), ZIP, 1000);
        refused(
                ProblemType.UNPROCESSABLE,
                zip("saved_model.pb", "pb", "variables/a", "x", "variables", "y"),
                ZIP,
                1000);
        refused(
                ProblemType.UNPROCESSABLE,
                zip("saved_model.pb", "pb", "variables", "y", "variables/a", "x"),
                ZIP,
                1000);
        // the same file twice, also through ./ or a detour
        refused(ProblemType.UNPROCESSABLE, zip("saved_model.pb", "pb", "saved_model.pb", "other"), ZIP, 1000);
        refused(ProblemType.UNPROCESSABLE, zip("saved_model.pb", "pb", "./saved_model.pb", "other"), ZIP, 1000);
        refused(ProblemType.UNPROCESSABLE, zip("saved_model.pb", "pb", "x/../saved_model.pb", "other"), ZIP, 1000);
        refused(
                ProblemType.UNPROCESSABLE,
                tarGz(null, "saved_model.pb", "pb", "saved_model.pb", "other"),
                TAR_GZ,
                1000);
    }

    @Test
    void refusesTruncatedAndDamagedArchives() {
        byte[] zip = zip("saved_model.pb", "x".repeat(500), "variables/variables.index", "i".repeat(500));
        refused(ProblemType.UNPROCESSABLE, Arrays.copyOf(zip, zip.length / 2), ZIP, 10_000);
        refused(ProblemType.UNPROCESSABLE, Arrays.copyOf(zip, zip.length - 10), ZIP, 10_000);
        byte[] tgz = tarGz(null, "saved_model.pb", "x".repeat(5000), "variables/variables.index", "i".repeat(5000));
        refused(ProblemType.UNPROCESSABLE, Arrays.copyOf(tgz, tgz.length / 2), TAR_GZ, 100_000);
        // the wrong format for the bytes
        refused(ProblemType.UNPROCESSABLE, zip, TAR_GZ, 10_000);
        refused(ProblemType.UNPROCESSABLE, tgz, ZIP, 10_000);
    }

    @Test
    void refusesGarbage() {
        byte[] garbage = "this is not an archive at all".getBytes(StandardCharsets.UTF_8);
        refused(ProblemType.UNPROCESSABLE, garbage, TAR_GZ, 1000);
        refused(ProblemType.UNPROCESSABLE, garbage, ZIP, 1000);
    }

    @Test
    void refusesExpansionPastTheLimitWhileUnpacking() throws IOException {
        refused(ProblemType.PAYLOAD_TOO_LARGE, zip("saved_model.pb", "x".repeat(5000)), ZIP, 4096);
        // a bomb: 2 MB of zeros in a few kilobytes, stopped at the limit
        String zeros = "\0".repeat(2_000_000);
        byte[] bomb = zip("saved_model.pb", "pb", "variables/variables.data-00000-of-00001", zeros);
        assertTrue(bomb.length < 10_000, "the bomb is small: " + bomb.length);
        refused(ProblemType.PAYLOAD_TOO_LARGE, bomb, ZIP, 1_000_000);
        byte[] tarBomb = tarGz(null, "saved_model.pb", "pb", "variables/variables.data-00000-of-00001", zeros);
        refused(ProblemType.PAYLOAD_TOO_LARGE, tarBomb, TAR_GZ, 1_000_000);
        // what was written before the limit stays in the target, which the caller deletes
        try (Stream<Path> files = Files.walk(dir)) {
            long largest = files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .max()
                    .orElse(0);
            assertTrue(largest <= 1_000_000 + 64 * 1024, "written no further than the limit: " + largest);
        }
    }

    @Test
    void contentTypesMapToFormatsOr415() {
        assertEquals(ZIP, SavedModelArchive.Format.fromContentType("application/zip"));
        assertEquals(TAR_GZ, SavedModelArchive.Format.fromContentType("application/gzip"));
        ApiException e =
                assertThrows(ApiException.class, () -> SavedModelArchive.Format.fromContentType("application/json"));
        assertEquals(ProblemType.UNSUPPORTED_MEDIA_TYPE, e.type());
    }
}
