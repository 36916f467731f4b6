package io.aiaas.local;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Stops a process and its descendants: politely first, then by force. */
final class ProcessTree {
    private ProcessTree() {}

    static void stop(ProcessHandle root, Duration grace) {
        if (!root.isAlive()) {
            return;
        }
        List<ProcessHandle> children = root.descendants().toList();
        root.destroy();
        try {
            root.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception timeout) {
            root.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        CompletableFuture.allOf(children.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, 5, TimeUnit.SECONDS)
                .join();
    }
}
