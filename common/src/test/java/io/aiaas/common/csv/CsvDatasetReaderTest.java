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
