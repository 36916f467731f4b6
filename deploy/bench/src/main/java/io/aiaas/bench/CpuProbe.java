package io.aiaas.bench;

import io.aiaas.local.PlatformRuntime;
import io.aiaas.local.ServiceProcess.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * CPU time of each part of the platform ({@code utime + stime} of {@code /proc/<pid>/stat}), read around a measured
 * step: divided by the step's answered predictions, it says which process a prediction's CPU goes to, which a
 * throughput figure alone cannot. Processes are looked up at every sample, so a restarted worker or a new PostgreSQL
 * backend is counted; a process that exits between two samples loses its share (the connection pools keep theirs).
 */
final class CpuProbe {
    /** The parts in the order of the report. */
    static final List<String> PARTS =
            List.of("gateway", "worker", "tenant-service", "model-service", "Kafka", "PostgreSQL", "load generator");

    /** {@code /proc} counts CPU in clock ticks of 1/100 s on Linux. */
    private static final long MILLIS_PER_TICK = 10;

    private final Map<String, Supplier<List<Long>>> pids = new LinkedHashMap<>();

    CpuProbe(PlatformRuntime runtime) {
        this(runtime, () -> jvm(runtime, Service.GATEWAY));
    }

    /** As {@link #CpuProbe(PlatformRuntime)}, with the gateway found by {@code gateway} (a replica under test). */
    CpuProbe(PlatformRuntime runtime, Supplier<List<Long>> gateway) {
        pids.put("gateway", gateway);
        pids.put("worker", () -> matching("/worker/target/quarkus-app/"));
        pids.put("tenant-service", () -> jvm(runtime, Service.TENANT));
        pids.put("model-service", () -> jvm(runtime, Service.MODEL));
        pids.put("Kafka", () -> matching("io.aiaas.infra.KafkaMain"));
        pids.put("PostgreSQL", () -> ProcessHandle.allProcesses()
                .filter(p ->
                        p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .map(ProcessHandle::pid)
                .toList());
        pids.put("load generator", () -> List.of(ProcessHandle.current().pid()));
    }

    /** The gateway's JVM (the first when there are several). */
    long gatewayPid() {
        return pids.get("gateway").get().get(0);
    }

    /** CPU milliseconds used so far, per part (every running worker replica counts as the worker). */
    Map<String, Long> sample() {
        Map<String, Long> millis = new LinkedHashMap<>();
        pids.forEach((part, find) -> {
            long sum = 0;
            for (long pid : find.get()) {
                sum += cpuMillis(pid);
            }
            millis.put(part, sum);
        });
        return millis;
    }

    /** {@code after − before}, per part. */
    static Map<String, Long> used(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> used = new LinkedHashMap<>();
        after.forEach((part, millis) -> used.put(part, Math.max(0, millis - before.getOrDefault(part, 0L))));
        return used;
    }

    private static List<Long> jvm(PlatformRuntime runtime, Service service) {
        try {
            return List.of(WorkerProbe.javaPid(runtime.service(service)));
        } catch (RuntimeException e) {
            return List.of(); // not running (the worker is restarted between parts)
        }
    }

    /**
     * JVMs whose command line holds {@code commandLinePart}. Read from {@code /proc/<pid>/cmdline}: the JDK's
     * {@code ProcessHandle.Info.arguments()} stops short of a long class path, and the broker's main class comes
     * after one.
     */
    private static List<Long> matching(String commandLinePart) {
        List<Long> found = new ArrayList<>();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .forEach(p -> {
                    try {
                        String line = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
                        if (line.contains(commandLinePart)) {
                            found.add(p.pid());
                        }
                    } catch (IOException | RuntimeException e) {
                        // gone since it was listed
                    }
                });
        return found;
    }

    private static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MILLIS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0; // gone since it was listed
        }
    }
}
