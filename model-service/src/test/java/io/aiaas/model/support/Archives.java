package io.aiaas.model.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/** Packs directories (and hand-made entries) as zip and tar.gz, the way tenants' tools do. */
public final class Archives {
    private Archives() {}

    /** One archive entry; {@code data} null for a directory. */
    public record Entry(String name, byte[] data) {}

    /** Every file and directory of {@code dir}, named {@code prefix + relative path}. */
    public static List<Entry> entries(Path dir, String prefix) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir))
                    .sorted()
                    .map(p -> {
                        String rel = dir.relativize(p).toString().replace('\\', '/');
                        try {
                            return Files.isDirectory(p)
                                    ? new Entry(prefix + rel + "/", null)
                                    : new Entry(prefix + rel, Files.readAllBytes(p));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] zip(List<Entry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            for (Entry e : entries) {
                zip.putArchiveEntry(new ZipArchiveEntry(e.name()));
                if (e.data() != null) {
                    zip.write(e.data());
                }
                zip.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A zip of {@code entries} plus a Unix symbolic link {@code linkName → linkTarget}, as {@code zip -y} makes. */
    public static byte[] zipWithSymlink(List<Entry> entries, String linkName, String linkTarget) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            for (Entry e : entries) {
                zip.putArchiveEntry(new ZipArchiveEntry(e.name()));
                if (e.data() != null) {
                    zip.write(e.data());
                }
                zip.closeArchiveEntry();
            }
            ZipArchiveEntry link = new ZipArchiveEntry(linkName);
            link.setUnixMode(UnixStat.LINK_FLAG | 0777);
            zip.putArchiveEntry(link);
            zip.write(linkTarget.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] tarGz(List<Entry> entries) {
        return tarGz(entries, null, null);
    }

    /** A tar.gz of {@code entries}, plus a symbolic link {@code linkName → linkTarget} when given. */
    public static byte[] tarGz(List<Entry> entries, String linkName, String linkTarget) {
        return tarGz(entries, linkName, linkTarget, TarArchiveEntry.LF_SYMLINK);
    }

    /** A tar.gz of {@code entries}, plus a link of the given kind (symbolic or hard) when given. */
    public static byte[] tarGz(List<Entry> entries, String linkName, String linkTarget, byte linkFlag) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry entry = new TarArchiveEntry(e.name());
                if (e.data() != null) {
                    entry.setSize(e.data().length);
                }
                tar.putArchiveEntry(entry);
                if (e.data() != null) {
                    tar.write(e.data());
                }
                tar.closeArchiveEntry();
            }
            if (linkName != null) {
                TarArchiveEntry link = new TarArchiveEntry(linkName, linkFlag);
                link.setLinkName(linkTarget);
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
