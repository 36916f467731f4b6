package io.aiaas.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * Pid files of the services the launcher starts, so that a start after a crash (of the launcher itself, say) finds
 * and stops the services the crashed run left behind.
 */
final class PidFiles {
    private PidFiles() {}

    static void record(Path stateDir, String name, long pid) throws IOException {
        Path dir = Files.createDirectories(stateDir.resolve("pids"));
        Files.writeString(dir.resolve(name + ".pid"), Long.toString(pid), StandardCharsets.US_ASCII);
    }

    static void forget(Path stateDir, String name) {
        try {
            Files.deleteIfExists(stateDir.resolve("pids").resolve(name + ".pid"));
        } catch (IOException ignored) {
            // nothing to forget
        }
    }

    /** Stops every recorded process still running a platform jar, and removes the pid files. */
    static void reapStale(Path stateDir) throws IOException {
        Path dir = stateDir.resolve("pids");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                try {
                    long pid = Long.parseLong(Files.readString(file).trim());
                    ProcessHandle.of(pid)
                            .filter(p -> p.info().commandLine().orElse("").contains("quarkus-run.jar"))
                            .ifPresent(p -> {
                                PlatformRuntime.log("stopping " + file.getFileName() + " left by an earlier run");
                                ProcessTree.stop(p, Duration.ofSeconds(10));
                            });
                } catch (NumberFormatException ignored) {
                    // a damaged pid file is just removed
                }
                Files.deleteIfExists(file);
            }
        }
    }
}
