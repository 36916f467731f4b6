package io.aiaas.bench;

import io.aiaas.local.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** What the benchmark reads of a running worker: its JVM's resident memory and its Prometheus counters. */
final class WorkerProbe {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ServiceProcess worker;
    private final long javaPid;

    WorkerProbe(ServiceProcess worker) {
        this.worker = worker;
        this.javaPid = javaPid(worker);
    }

    long pid() {
        return javaPid;
    }

    /**
     * The worker's JVM: a service runs under a small watchdog shell (ParentWatchdog), so the process started is the
     * shell and the JVM is its child.
     */
    static long javaPid(ServiceProcess service) {
        ProcessHandle started = ProcessHandle.of(service.pid())
                .orElseThrow(() -> new IllegalStateException(service.service().module() + " is not running"));
        if (isJava(started)) {
            return started.pid();
        }
        return started.descendants()
                .filter(WorkerProbe::isJava)
                .findFirst()
                .map(ProcessHandle::pid)
                .orElseThrow(() -> new IllegalStateException("no JVM under process " + service.pid()));
    }

    private static boolean isJava(ProcessHandle process) {
        return process.info().command().map(c -> c.endsWith("/java")).orElse(false);
    }

    /** Resident set size in KiB: {@code VmRSS} of {@code /proc/<pid>/status}. */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(javaPid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + javaPid + "/status");
    }

    /** The sum of every series of the metric {@code name} on {@code /q/metrics}; empty when it has none. */
    Optional<Double> metric(String name) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(worker.url() + "/q/metrics"))
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? sum(response.body(), name) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The sum over the series of {@code name} in Prometheus text. Read here by hand: the benchmark needs two or three
     * counters, and the format's sample lines are {@code name[{labels}] value [timestamp]}.
     */
    static Optional<Double> sum(String text, String name) {
        double total = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (!line.startsWith(name)) {
                continue;
            }
            String rest = line.substring(name.length());
            if (!(rest.startsWith(" ") || rest.startsWith("{"))) {
                continue; // a longer metric name with this one as prefix
            }
            int end = rest.startsWith("{") ? rest.lastIndexOf('}') + 1 : 0;
            String[] parts = rest.substring(end).trim().split("\\s+");
            try {
                total += Double.parseDouble(parts[0]);
                found = true;
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return found ? Optional.of(total) : Optional.empty();
    }
}
