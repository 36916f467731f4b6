package io.aiaas.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A dataset CSV shaped like MNIST as people export it for tabular tools: header {@code f0,…,f783,label}, then one
 * 28×28 grey image per row, pixels scaled to [0, 1] as {@code k/255} written with at most three decimals, and an
 * integer label 0–9. Each image is a few thick pen strokes on black, so most pixels are {@code 0} and the rest run from
 * faint edges to {@code 1}, about as in handwritten digits; the strokes of one label vary around that label's own
 * shape. The same seed makes the same file, byte for byte.
 *
 * <p>Made here rather than downloaded: the build and the benchmarks never fetch data (CONVENTIONS.md).
 */
final class SyntheticDigits {
    static final int SIDE = 28;
    static final int FEATURES = SIDE * SIDE;
    static final String LABEL = "label";
    private static final int STROKES = 3;
    /** {@code k/255} as the CSV writes it, for k = 0…255: "0", "0.004", …, "0.502", …, "1". */
    private static final String[] PIXELS = new String[256];

    static {
        for (int k = 0; k < PIXELS.length; k++) {
            PIXELS[k] = BigDecimal.valueOf(k)
                    .divide(BigDecimal.valueOf(255), 3, RoundingMode.HALF_UP)
                    .stripTrailingZeros()
                    .toPlainString();
        }
    }

    /** What was written. */
    record Written(Path file, long rows, long bytes, double seconds) {}

    private SyntheticDigits() {}

    /** Writes {@code rows} rows to {@code file}, logging progress every tenth. */
    static Written write(Path file, long rows, long seed) throws IOException {
        long start = System.nanoTime();
        float[][][] shapes = shapes(seed);
        Random random = new Random(seed);
        int[] pixels = new int[FEATURES];
        StringBuilder line = new StringBuilder(FEATURES * 8);
        try (BufferedWriter out = new BufferedWriter(
                new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 20)) {
            for (int i = 0; i < FEATURES; i++) {
                line.append('f').append(i).append(',');
            }
            out.append(line).append(LABEL).append('\n');
            long step = Math.max(1, rows / 10);
            for (long r = 0; r < rows; r++) {
                int label = random.nextInt(10);
                draw(shapes[label], random, pixels);
                line.setLength(0);
                for (int p : pixels) {
                    line.append(PIXELS[p]).append(',');
                }
                line.append(label).append('\n');
                out.append(line);
                if ((r + 1) % step == 0 && r + 1 < rows) {
                    BenchMain.log(String.format("  CSV: %,d of %,d rows", r + 1, rows));
                }
            }
        }
        return new Written(file, rows, Files.size(file), (System.nanoTime() - start) / 1e9);
    }

    /** Each label's strokes: {@link #STROKES} segments {x0, y0, x1, y1} in the digit box of MNIST (20×20, centred). */
    private static float[][][] shapes(long seed) {
        Random random = new Random(seed ^ 0x5DEECE66DL);
        float[][][] shapes = new float[10][STROKES][4];
        for (float[][] shape : shapes) {
            for (float[] stroke : shape) {
                for (int i = 0; i < 4; i++) {
                    stroke[i] = 5 + random.nextFloat() * 17;
                }
            }
        }
        return shapes;
    }

    /** One image of a label's shape: its strokes moved a little, the pen a little thicker or thinner, the whole shifted. */
    private static void draw(float[][] shape, Random random, int[] pixels) {
        float[][] strokes = new float[STROKES][4];
        float dx = random.nextInt(5) - 2;
        float dy = random.nextInt(5) - 2;
        for (int s = 0; s < STROKES; s++) {
            for (int i = 0; i < 4; i++) {
                strokes[s][i] = shape[s][i] + (float) random.nextGaussian() * 1.2f + (i % 2 == 0 ? dx : dy);
            }
        }
        float pen = 0.9f + random.nextFloat() * 0.6f;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                float distance = Float.MAX_VALUE;
                for (float[] stroke : strokes) {
                    distance = Math.min(distance, distanceToSegment(x, y, stroke));
                }
                // Full ink within the pen's radius, fading to none over the next pixel: anti-aliased edges.
                float ink = Math.max(0f, Math.min(1f, pen + 1f - distance));
                pixels[y * SIDE + x] = Math.round(ink * 255f);
            }
        }
    }

    private static float distanceToSegment(float px, float py, float[] s) {
        float vx = s[2] - s[0];
        float vy = s[3] - s[1];
        float length2 = vx * vx + vy * vy;
        float t = length2 == 0f ? 0f : ((px - s[0]) * vx + (py - s[1]) * vy) / length2;
        t = Math.max(0f, Math.min(1f, t));
        float ex = px - (s[0] + t * vx);
        float ey = py - (s[1] + t * vy);
        return (float) Math.sqrt(ex * ex + ey * ey);
    }
}
