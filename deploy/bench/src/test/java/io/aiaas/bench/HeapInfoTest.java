package io.aiaas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HeapInfoTest {
    @Test
    void theCommittedHeapIsTheTotalOfTheHeapLine() {
        String out = "8372:\n"
                + " garbage-first heap   total 238592K, used 132903K [0x00000000d0000000, 0x0000000100000000)\n"
                + "  region size 1024K, 93 young (95232K), 6 survivors (6144K)\n"
                + " Metaspace       used 61234K, committed 61888K, reserved 1105920K\n";
        assertEquals(238_592, PredictBenchmark.heapTotalKib(out));
    }

    @Test
    void noHeapLineIsMinusOne() {
        assertEquals(-1, PredictBenchmark.heapTotalKib("8372:\nAttachNotSupportedException: no such process\n"));
    }
}
