package io.aiaas.bench;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./aiaas-bench <benchmark>}: the reproducible benchmarks of docs/benchmarks.md. */
@Command(
        name = "aiaas-bench",
        mixinStandardHelpOptions = true,
        subcommands = {
            GatewayBenchmark.class,
            JobsBenchmark.class,
            BatchBenchmark.class,
            TrainingBenchmark.class,
            PredictBenchmark.class,
            AccessBenchmark.class,
            HotMethods.class
        },
        description = "Runs a benchmark against the packaged platform on embedded infrastructure.")
public final class BenchMain implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The checkout whose packaged services are "this build" (set by ./aiaas-bench). */
    static Path repoRoot() {
        return Path.of(System.getProperty("aiaas.repo.root", "."))
                .toAbsolutePath()
                .normalize();
    }

    static void log(String message) {
        System.err.println("[bench] " + message);
    }
}
