package io.aiaas.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A benchmark's results as a Markdown section: the machine, the date, then one table per measurement. */
final class Report {
    private final StringBuilder text = new StringBuilder();

    Report(String title, String command) {
        text.append("## ").append(title).append("\n\n");
        text.append("- Command: `").append(command).append("`\n");
        text.append("- Date: ")
                .append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
                .append('\n');
        text.append("- Machine: ").append(machine()).append("\n\n");
    }

    void paragraph(String line) {
        text.append(line).append("\n\n");
    }

    /** A table with a header row. */
    void table(List<String> header, List<List<String>> rows) {
        text.append('|');
        header.forEach(h -> text.append(' ').append(h).append(" |"));
        text.append("\n|");
        header.forEach(h -> text.append(" --- |"));
        text.append('\n');
        for (List<String> row : rows) {
            text.append('|');
            row.forEach(c -> text.append(' ').append(c).append(" |"));
            text.append('\n');
        }
        text.append('\n');
    }

    static String number(double value, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    String text() {
        return text.toString();
    }

    void writeTo(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
    }

    static String machine() {
        List<String> parts = new ArrayList<>();
        parts.add(Runtime.getRuntime().availableProcessors() + " cores");
        try {
            Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .ifPresent(l -> parts.add(l.substring(l.indexOf(':') + 1).trim()));
            Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal"))
                    .findFirst()
                    .ifPresent(l -> parts.add(
                            Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0) + " GiB RAM"));
        } catch (IOException | RuntimeException e) {
            // not Linux: cores and Java are enough
        }
        parts.add("Java " + System.getProperty("java.version"));
        return String.join(", ", parts);
    }
}
