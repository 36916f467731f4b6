package io.aiaas.common.csv;

/** A dataset CSV breaks a rule at {@link #line()} (the header is line 1). */
public class CsvFormatException extends IllegalArgumentException {
    private final long line;

    public CsvFormatException(long line, String problem) {
        super("Line " + line + ": " + problem + ".");
        this.line = line;
    }

    public long line() {
        return line;
    }
}
