package io.aiaas.common.csv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvDatasetReaderTest {

    @Test
    void readsRowsInHeaderOrderWithoutTheLabel() throws IOException {
        String csv = "\uFEFF\"x, one\",label,x2\r\n1.5,3,-2\r\n\"0\",0,1e2\r\n.5,7.0,+4\r\n\r\n";
        try (CsvDatasetReader reader = new CsvDatasetReader(new StringReader(csv), "label")) {
            assertEquals(List.of("x, one", "label", "x2"), reader.header());
            assertEquals(2, reader.features());
            float[] row = new float[2];
            assertTrue(reader.next(row));
            assertArrayEquals(new float[] {1.5f, -2f}, row);
            assertEquals(3, reader.label());
            assertTrue(reader.next(row));
            assertArrayEquals(new float[] {0f, 100f}, row);
            assertTrue(reader.next(row));
            assertArrayEquals(new float[] {0.5f, 4f}, row);
            assertEquals(7, reader.label(), "an integer written as a decimal");
            assertFalse(reader.next(row));
            assertFalse(reader.next(row));
            assertEquals(3, reader.rows());
            assertEquals(0, reader.labelMin());
            assertEquals(7, reader.labelMax());
        }
    }

    @Test
    void everyBrokenRuleNamesItsLine() {
        assertLine(1, "", "y");
        assertLine(1, "a,b\n1,2\n", "y"); // no label column
        assertLine(1, "y\n1\n", "y"); // no feature
        assertLine(1, "a,a,y\n1,2,3\n", "y"); // a name twice
        assertLine(1, "a,,y\n1,2,3\n", "y"); // an empty name
        assertLine(2, "a,y\n", "y"); // header only
        assertLine(3, "a,y\n1,2\nx,2\n", "y"); // text feature
        assertLine(3, "a,y\n1,2\nNaN,2\n", "y"); // not a finite number
        assertLine(2, "a,y\n,2\n", "y"); // empty cell
        assertLine(4, "a,y\n1,2\n1,2\n1,2,3\n", "y"); // ragged, too long
        assertLine(2, "a,b,y\n1,2\n", "y"); // ragged, too short
        assertLine(2, "a,y\n1,2.5\n", "y"); // fractional label
        assertLine(2, "a,y\n1,two\n", "y"); // text label
        assertLine(3, "a,y\n1,2\n\n1,2\n", "y"); // an empty line inside
        assertLine(2, "a,y\n\"1,2\n", "y"); // an unclosed quote
        assertLine(2, "a,y\n\"1\"x,2\n", "y"); // text after a quoted cell
    }

    @Test
    void aLineLongerThanTheBoundIsRefusedBeforeItIsHeld() {
        String csv = "a,y\n1,2\n" + "1".repeat(5_000) + ",2\n";
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> {
            try (CsvDatasetReader reader = new CsvDatasetReader(new StringReader(csv), "y", 1_000)) {
                float[] row = new float[1];
                while (reader.next(row)) {
                    // read to the end
                }
            }
        });
        assertTrue(e.getMessage().contains("longer than 1000"), e.getMessage());
    }

    /**
     * The fast path reads plain decimals bit for bit as {@link Float#parseFloat} does: 3 million random ones of up to 9
     * significant digits and 8 after the point (signs, leading zeros, a trailing point included), and the floats
     * nearest to float midpoints, where rounding twice would show first.
     */
    @Test
    void plainDecimalsReadExactlyAsParseFloatDoes() {
        java.util.Random random = new java.util.Random(42);
        for (int n = 0; n < 3_000_000; n++) {
            int digits = 1 + random.nextInt(9);
            long mantissa = (long) (random.nextDouble() * Math.pow(10, digits));
            int fraction = random.nextInt(9);
            String plain = Long.toString(mantissa);
            while (plain.length() <= fraction) {
                plain = "0" + plain;
            }
            String text = fraction == 0
                    ? plain + (random.nextInt(4) == 0 ? "." : "")
                    : plain.substring(0, plain.length() - fraction) + "." + plain.substring(plain.length() - fraction);
            if (random.nextBoolean()) {
                text = (random.nextBoolean() ? "-" : "+") + text;
            }
            assertTrue(assertPlain(text), text + " takes the fast path");
        }
        int fast = 0;
        for (int n = 0; n < 200_000; n++) {
            // the decimal nearest to the midpoint above a random float, to 8 places
            float f = random.nextFloat() * (float) Math.pow(10, random.nextInt(5));
            double midpoint = ((double) f + (double) Math.nextUp(f)) / 2;
            String text = new java.math.BigDecimal(midpoint)
                    .setScale(8, java.math.RoundingMode.HALF_EVEN)
                    .round(new java.math.MathContext(9))
                    .toPlainString();
            fast += assertPlain(text) ? 1 : 0;
        }
        assertTrue(fast > 150_000, fast + " of the decimals near midpoints took the fast path");
        for (String other : List.of("", "-", ".", "1e3", "NaN", "1.2.3", " 1", "0x10", "1234567890", "0.123456789")) {
            assertTrue(
                    Float.isNaN(CsvDatasetReader.plainDecimal(other, 0, other.length())),
                    "'" + other + "' is left to parseFloat");
        }
    }

    /** Whether {@code text} took the fast path; if it did, its float is parseFloat's. */
    private static boolean assertPlain(String text) {
        float fast = CsvDatasetReader.plainDecimal(text, 0, text.length());
        if (Float.isNaN(fast)) {
            // outside the fast path's bounds (more than 9 significant digits): parseFloat reads it
            return false;
        }
        assertEquals(Float.floatToIntBits(Float.parseFloat(text)), Float.floatToIntBits(fast), text);
        return true;
    }

    private static void assertLine(long line, String csv, String label) {
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> {
            try (CsvDatasetReader reader = new CsvDatasetReader(new StringReader(csv), label)) {
                float[] row = new float[Math.max(1, reader.features())];
                while (reader.next(row)) {
                    // read to the end
                }
            }
        });
        assertEquals(line, e.line(), csv + " → " + e.getMessage());
        assertTrue(e.getMessage().startsWith("Line " + line + ": "), e.getMessage());
    }
}
