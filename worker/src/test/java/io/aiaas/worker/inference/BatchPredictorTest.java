package io.aiaas.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.csv.CsvDatasetReader;
import io.aiaas.common.json.Json;
import io.aiaas.infra.fixtures.DenseSavedModel;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dense 4→3 model over CSV rows: every line against x·W + b computed here, chunking, resuming, stopping. */
class BatchPredictorTest {
    private static final float[][] W = {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}};
    private static final float[] B = {0.5f, -1f, 0f};
    private static LoadedModel dense;

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() {
        DenseSavedModel.export(dir.resolve("m"), W, B);
        dense = LoadedModel.load("dense/1", dir.resolve("m"), null, 1, 1, false);
    }

    @AfterAll
    static void close() {
        dense.close();
    }

    private static String csv(int rows) {
        StringBuilder s = new StringBuilder("a,b,label,c,d\n");
        for (int i = 0; i < rows; i++) {
            s.append(i)
                    .append(',')
                    .append(i % 3)
                    .append(',')
                    .append(i % 2)
                    .append(',')
                    .append(-i)
                    .append(",0.5\n");
        }
        return s.toString();
    }

    /** x·W + b for row i of {@link #csv}: features a, b, c, d in header order, the label left out. */
    private static float[] expected(int i) {
        float[] x = {i, i % 3, -i, 0.5f};
        float[] y = B.clone();
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 3; j++) {
                y[j] += x[k] * W[k][j];
            }
        }
        return y;
    }

    private record Chunk(long from, long to, String lines) {}

    private static List<Chunk> run(int rows, int chunkRows, long fromRow, int stopAfter) throws Exception {
        List<Chunk> chunks = new ArrayList<>();
        try (CsvDatasetReader reader = new CsvDatasetReader(new StringReader(csv(rows)), "label")) {
            BatchPredictor.run(
                    dense,
                    DenseSavedModel.SIGNATURE,
                    reader,
                    chunkRows,
                    fromRow,
                    (from, to, ndjson) -> chunks.add(new Chunk(from, to, new String(ndjson, StandardCharsets.UTF_8))),
                    () -> chunks.size() >= stopAfter);
        }
        return chunks;
    }

    @Test
    void everyRowIsPredictedOnceInOrderInChunks() throws Exception {
        List<Chunk> chunks = run(10, 4, 0, Integer.MAX_VALUE);
        assertEquals(List.of(0L, 4L, 8L), chunks.stream().map(Chunk::from).toList());
        assertEquals(10, chunks.get(2).to());
        int row = 0;
        for (Chunk chunk : chunks) {
            for (String line : chunk.lines().split("\n")) {
                JsonNode json = Json.read(line, JsonNode.class);
                assertEquals(row, json.path("row").asInt());
                JsonNode y = json.path("outputs").path(DenseSavedModel.OUTPUT);
                float[] want = expected(row);
                assertEquals(3, y.size(), line);
                for (int j = 0; j < 3; j++) {
                    assertEquals(want[j], y.get(j).floatValue(), 1e-5, line);
                }
                row++;
            }
        }
        assertEquals(10, row);
    }

    @Test
    void aResumedRunStartsAtItsRowAndAStoppedOneEndsBetweenChunks() throws Exception {
        List<Chunk> resumed = run(10, 4, 6, Integer.MAX_VALUE);
        assertEquals(
                List.of(6L, 10L), List.of(resumed.get(0).from(), resumed.get(0).to()));
        assertEquals(1, resumed.size());
        assertTrue(resumed.get(0).lines().startsWith("{\"row\":6,"));

        List<Chunk> stopped = run(10, 4, 0, 1);
        assertEquals(1, stopped.size(), "stops before the second chunk");
        assertFalse(stopped.get(0).lines().contains("\"row\":4"));
    }
}
