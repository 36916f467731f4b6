package io.aiaas.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Where a process's CPU went in flight recordings ({@code access --jfr}): the methods most often on top of the sampled
 * stacks (self) and, for methods whose class name holds {@code --focus}, how often they were anywhere on the stack
 * (total). JDK 17's {@code jfr} tool prints events but does not aggregate them, hence this.
 */
@Command(
        name = "hot-methods",
        mixinStandardHelpOptions = true,
        description = "Aggregates jdk.ExecutionSample events of JFR recordings: self and total samples by method.")
final class HotMethods implements Callable<Integer> {
    @Parameters(arity = "1..*", description = "Recordings (.jfr).")
    List<Path> files;

    @Option(names = "--top", defaultValue = "25", description = "Methods shown per list (default ${DEFAULT-VALUE}).")
    int top;

    @Option(
            names = "--focus",
            defaultValue = "io.aiaas.",
            description = "Class-name part of the methods whose total samples are listed (default ${DEFAULT-VALUE}).")
    String focus;

    @Override
    public Integer call() throws Exception {
        for (Path file : files) {
            Map<String, Long> self = new HashMap<>();
            Map<String, Long> total = new HashMap<>();
            long samples = 0;
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = event.getStackTrace().getFrames();
                if (frames.isEmpty()) {
                    continue;
                }
                self.merge(name(frames.get(0)), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame frame : frames) {
                    String name = name(frame);
                    if (name.contains(focus) && seen.add(name)) {
                        total.merge(name, 1L, Long::sum);
                    }
                }
            }
            System.out.printf("%n%s: %d execution samples%n", file.getFileName(), samples);
            print("self", self, samples);
            print("total (" + focus + ")", total, samples);
        }
        return 0;
    }

    private void print(String title, Map<String, Long> counts, long samples) {
        System.out.println("  " + title + ":");
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.printf(
                        "    %6d  %5.1f %%  %s%n",
                        e.getValue(), 100.0 * e.getValue() / Math.max(1, samples), e.getKey()));
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
