package io.aiaas.common.csv;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a dataset CSV row by row, checking it as it goes: a header row (line 1) of distinct names that includes the
 * label column and at least one other; then rows of the header's length whose cells are finite numbers and whose label
 * is an integer; at least one row. Memory stays at one line whatever the file's size. A violation is a
 * {@link CsvFormatException} naming the line.
 *
 * <p>Written here rather than taken from a CSV library: the checks (numbers, an integer label, equal row lengths, line
 * numbers) are per cell anyway, and the format is plain: fields may be double-quoted (a quote doubled inside), but no
 * field spans lines.
 */
public final class CsvDatasetReader implements AutoCloseable {
    private final BufferedReader in;
    private final List<String> header;
    private final int labelIndex;
    private final String labelColumn;
    private final List<String> fields = new ArrayList<>();
    private long line = 1;
    private long rows;
    private long labelMin = Long.MAX_VALUE;
    private long labelMax = Long.MIN_VALUE;
    private long label;
    private boolean ended;

    /** The longest line read, in characters: a line is held whole while it is checked. */
    public static final int MAX_LINE_CHARS = 16 * 1024 * 1024;

    /** Reads and checks the header; {@code labelColumn} must be one of its names. */
    public CsvDatasetReader(Reader source, String labelColumn) throws IOException {
        this(source, labelColumn, MAX_LINE_CHARS);
    }

    CsvDatasetReader(Reader source, String labelColumn, int maxLineChars) throws IOException {
        this.in = new BufferedReader(new LineBound(source, maxLineChars), 64 * 1024);
        this.labelColumn = labelColumn;
        String first = in.readLine();
        if (first == null || first.isBlank()) {
            throw new CsvFormatException(1, "the file is empty: a header row is required");
        }
        if (first.startsWith("\uFEFF")) {
            first = first.substring(1); // a UTF-8 byte-order mark, as spreadsheet programs write
        }
        split(first, 1);
        this.header = List.copyOf(fields);
        Set<String> seen = new HashSet<>();
        for (String name : header) {
            if (name.isBlank()) {
                throw new CsvFormatException(1, "the header has an empty column name");
            }
            if (!seen.add(name)) {
                throw new CsvFormatException(1, "the header names column '" + name + "' twice");
            }
        }
        this.labelIndex = header.indexOf(labelColumn);
        if (labelIndex < 0) {
            throw new CsvFormatException(1, "the header has no label column '" + labelColumn + "'");
        }
        if (header.size() < 2) {
            throw new CsvFormatException(1, "the header has no feature column besides the label");
        }
    }

    public List<String> header() {
        return header;
    }

    public int labelIndex() {
        return labelIndex;
    }

    /** Feature columns: every column but the label. */
    public int features() {
        return header.size() - 1;
    }

    /**
     * Reads the next row into {@code features} (the row's cells in header order without the label, at least
     * {@link #features()} long); false at the end of the file, which must come after at least one row.
     */
    public boolean next(float[] features) throws IOException {
        if (ended) {
            return false;
        }
        String text;
        while (true) {
            text = in.readLine();
            line++;
            if (text == null) {
                return end();
            }
            if (!text.isEmpty()) {
                break;
            }
            // An empty line: fine only at the very end of the file.
            String after;
            do {
                after = in.readLine();
            } while (after != null && after.isEmpty());
            if (after == null) {
                return end();
            }
            throw new CsvFormatException(line, "an empty line in the middle of the file");
        }
        if (text.indexOf('"') >= 0 || !readPlain(text, features)) {
            readChecked(text, features);
        }
        rows++;
        labelMin = Math.min(labelMin, label);
        labelMax = Math.max(labelMax, label);
        return true;
    }

    /**
     * The common case, without a String per cell: a line of unquoted cells that are plain decimals (see
     * {@link #plainDecimal}) and an integer label. False when anything else is met, and the line is then read again
     * by {@link #readChecked}, which accepts every form the rules allow and reports what breaks them.
     */
    private boolean readPlain(String text, float[] features) {
        int n = text.length();
        if (n > 0 && text.charAt(n - 1) == '\r') {
            n--;
        }
        int columns = header.size();
        int start = 0;
        int f = 0;
        long rowLabel = 0;
        for (int c = 0; c < columns; c++) {
            int end = text.indexOf(',', start);
            boolean last = c == columns - 1;
            if (end < 0 || end >= n) {
                if (!last) {
                    return false;
                }
                end = n;
            } else if (last) {
                return false;
            }
            if (c == labelIndex) {
                if (end == start) {
                    return false;
                }
                try {
                    rowLabel = Long.parseLong(text, start, end, 10);
                } catch (NumberFormatException e) {
                    return false;
                }
            } else {
                float value = plainDecimal(text, start, end);
                if (Float.isNaN(value)) {
                    return false;
                }
                features[f++] = value;
            }
            start = end + 1;
        }
        label = rowLabel;
        return true;
    }

    private static final double[] POWERS_OF_TEN = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

    /**
     * {@code text[from, to)} as {@link Float#parseFloat} reads it when it is a plain decimal: an optional sign, digits
     * and at most one point, no more than 9 significant digits and 8 after the point; NaN for anything else. Fast and
     * exact: m / 10^k with m below 10^9 and k at most 8 is one correctly rounded division in double, and rounding that
     * to float cannot round twice wrongly (the quotient lies further than 2^-53 of it from every midpoint between two
     * floats, because 2^25 · 10^8 &lt; 2^53), so the float is the nearest to the decimal, as parseFloat's.
     */
    static float plainDecimal(CharSequence text, int from, int to) {
        int i = from;
        if (i >= to) {
            return Float.NaN;
        }
        boolean negative = false;
        char first = text.charAt(i);
        if (first == '-' || first == '+') {
            negative = first == '-';
            i++;
        }
        long mantissa = 0;
        int significant = 0;
        int fraction = 0;
        boolean point = false;
        boolean digit = false;
        for (; i < to; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digit = true;
                if (point) {
                    fraction++;
                }
                if (mantissa != 0 || c != '0') {
                    mantissa = mantissa * 10 + (c - '0');
                    if (++significant > 9) {
                        return Float.NaN;
                    }
                }
            } else if (c == '.' && !point) {
                point = true;
            } else {
                return Float.NaN;
            }
        }
        if (!digit || fraction > 8) {
            return Float.NaN;
        }
        float value = (float) (mantissa / POWERS_OF_TEN[fraction]);
        return negative ? -value : value;
    }

    /** Reads a line cell by cell with every rule checked; a broken rule is a {@link CsvFormatException}. */
    private void readChecked(String text, float[] features) {
        split(text, line);
        if (fields.size() != header.size()) {
            throw new CsvFormatException(line, "the row has " + fields.size() + " cells, the header " + header.size());
        }
        int f = 0;
        for (int i = 0; i < fields.size(); i++) {
            String cell = fields.get(i).strip();
            if (i == labelIndex) {
                label = parseLabel(cell);
                continue;
            }
            features[f++] = parseNumber(cell, i);
        }
    }

    /** The label of the row {@link #next} read last. */
    public long label() {
        return label;
    }

    /** Rows read so far. */
    public long rows() {
        return rows;
    }

    public long labelMin() {
        return labelMin;
    }

    public long labelMax() {
        return labelMax;
    }

    /** The line {@link #next} read last (the header is line 1). */
    public long line() {
        return line;
    }

    private boolean end() {
        ended = true;
        if (rows == 0) {
            throw new CsvFormatException(2, "the file has a header but no rows");
        }
        return false;
    }

    private long parseLabel(String cell) {
        if (cell.isEmpty()) {
            throw new CsvFormatException(line, "the label '" + labelColumn + "' is empty");
        }
        try {
            return Long.parseLong(cell);
        } catch (NumberFormatException e) {
            // "3.0" is an integer written as a decimal: accepted; "3.5" and text are not
            try {
                double value = Double.parseDouble(cell);
                if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                    return (long) value;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new CsvFormatException(line, "the label '" + labelColumn + "' is not an integer");
        }
    }

    private float parseNumber(String cell, int column) {
        float value;
        try {
            value = cell.isEmpty() ? Float.NaN : Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            value = Float.NaN;
        }
        if (!Float.isFinite(value) || cell.isEmpty() || !startsLikeANumber(cell)) {
            throw new CsvFormatException(line, "column '" + header.get(column) + "' is not a number");
        }
        return value;
    }

    /** Java also reads "NaN", "Infinity" and hex floats; a CSV number starts with a sign, a digit or a point. */
    private static boolean startsLikeANumber(String cell) {
        char c = cell.charAt(0);
        char d = cell.length() > 1 ? cell.charAt(1) : '0';
        if (c == '+' || c == '-') {
            c = d;
        }
        return (c >= '0' && c <= '9') || c == '.';
    }

    /** Splits one line into {@link #fields}: comma-separated, optionally double-quoted. */
    private void split(String text, long lineNumber) {
        fields.clear();
        int i = 0;
        int n = text.length();
        if (n > 0 && text.charAt(n - 1) == '\r') {
            n--;
        }
        StringBuilder quoted = null;
        while (true) {
            if (i < n && text.charAt(i) == '"') {
                if (quoted == null) {
                    quoted = new StringBuilder();
                }
                quoted.setLength(0);
                i++;
                while (true) {
                    if (i >= n) {
                        throw new CsvFormatException(lineNumber, "a quoted cell is not closed on its line");
                    }
                    char c = text.charAt(i++);
                    if (c == '"') {
                        if (i < n && text.charAt(i) == '"') {
                            quoted.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        quoted.append(c);
                    }
                }
                fields.add(quoted.toString());
                if (i < n && text.charAt(i) != ',') {
                    throw new CsvFormatException(lineNumber, "text follows a quoted cell");
                }
            } else {
                int comma = text.indexOf(',', i);
                int end = comma < 0 || comma > n ? n : comma;
                fields.add(text.substring(i, end));
                i = end;
            }
            if (i >= n) {
                return;
            }
            i++; // the comma
            if (i == n) {
                fields.add("");
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Refuses a line longer than the bound before it is held whole (a file of one endless line). */
    private final class LineBound extends java.io.FilterReader {
        private final int max;
        private int sinceNewline;

        LineBound(Reader in, int max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            char[] one = new char[1];
            return read(one, 0, 1) < 0 ? -1 : one[0];
        }

        @Override
        public int read(char[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            for (int i = off; i < off + n; i++) {
                if (buf[i] == '\n') {
                    sinceNewline = 0;
                } else if (++sinceNewline > max) {
                    throw new CsvFormatException(line + 1, "the line is longer than " + max + " characters");
                }
            }
            return n;
        }
    }
}
