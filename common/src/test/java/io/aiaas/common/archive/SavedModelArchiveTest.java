package io.aiaas.common.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SavedModelArchiveTest {
    @TempDir
    Path dir;

    private static byte[] zip(String... namesAndContents) throws IOException {
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

    private Path extract(byte[] archive, SavedModelArchive.Format format, long limit) throws IOException {
        return SavedModelArchive.extract(new ByteArrayInputStream(archive), format, dir.resolve("out"), limit);
    }

    @Test
    void findsTheSavedModelAtTheRootOrUnderOneFolder() throws IOException {
        Path root = extract(
                zip("saved_model.pb", "pb", "variables/variables.index", "i"), SavedModelArchive.Format.ZIP, 1000);
        assertTrue(Files.isRegularFile(root.resolve("saved_model.pb")));

        Path nested = SavedModelArchive.extract(
                new ByteArrayInputStream(zip("./m/saved_model.pb", "pb", "./m/variables/variables.index", "i")),
                SavedModelArchive.Format.ZIP,
                dir.resolve("nested"),
                1000);
        assertEquals("m", nested.getFileName().toString());
    }

    @Test
    void refusesArchivesWithoutASavedModel() {
        ApiException e = assertThrows(
                ApiException.class, () -> extract(zip("README", "hi"), SavedModelArchive.Format.ZIP, 1000));
        assertEquals(ProblemType.UNPROCESSABLE, e.type());
    }

    @Test
    void refusesEntriesThatEscapeTheRoot() {
        ApiException e = assertThrows(
                ApiException.class,
                () -> extract(zip("saved_model.pb", "pb", "../evil", "x"), SavedModelArchive.Format.ZIP, 1000));
        assertEquals(ProblemType.UNPROCESSABLE, e.type());
        assertFalse(Files.exists(dir.resolve("evil")));
    }

    @Test
    void refusesExpansionPastTheLimit() {
        ApiException e = assertThrows(
                ApiException.class,
                () -> extract(zip("saved_model.pb", "x".repeat(5000)), SavedModelArchive.Format.ZIP, 4096));
        assertEquals(ProblemType.PAYLOAD_TOO_LARGE, e.type());
    }

    @Test
    void refusesLinksInTarArchives() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            TarArchiveEntry link = new TarArchiveEntry("saved_model.pb", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("/etc/passwd");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        }
        ApiException e = assertThrows(
                ApiException.class, () -> extract(bytes.toByteArray(), SavedModelArchive.Format.TAR_GZ, 1000));
        assertEquals(ProblemType.UNPROCESSABLE, e.type());
    }

    @Test
    void refusesGarbage() {
        byte[] garbage = "this is not an archive at all".getBytes(StandardCharsets.UTF_8);
        assertThrows(ApiException.class, () -> extract(garbage, SavedModelArchive.Format.TAR_GZ, 1000));
        assertThrows(
                ApiException.class,
                () -> SavedModelArchive.extract(
                        new ByteArrayInputStream(garbage), SavedModelArchive.Format.ZIP, dir.resolve("z"), 1000));
    }

    @Test
    void contentTypesMapToFormatsOr415() {
        assertEquals(SavedModelArchive.Format.ZIP, SavedModelArchive.Format.fromContentType("application/zip"));
        assertEquals(SavedModelArchive.Format.TAR_GZ, SavedModelArchive.Format.fromContentType("application/gzip"));
        ApiException e =
                assertThrows(ApiException.class, () -> SavedModelArchive.Format.fromContentType("application/json"));
        assertEquals(ProblemType.UNSUPPORTED_MEDIA_TYPE, e.type());
    }
}
