package io.aiaas.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/** What the worker reports and bills as its device, and how its sessions place work. */
class ComputeDeviceTest {
    static final List<String> ONE_GPU = List.of("GPU:0 (15.7 GiB)");

    @Test
    void aVisibleGpuIsUsedAndBilledAtTheGpuRate() {
        ComputeDevice auto = new ComputeDevice("auto", 1.0, 10.0, () -> ONE_GPU);
        assertEquals("gpu", auto.name());
        assertEquals("GPU:0 (15.7 GiB)", auto.deviceName());
        assertEquals(10.0, auto.rate());
        assertEquals("gpu", new ComputeDevice("GPU", 1.0, 10.0, () -> ONE_GPU).name());
    }

    @Test
    void withoutAGpuTheWorkerReportsAndBillsTheCpu() {
        for (String configured : new String[] {"auto", "gpu", null}) {
            ComputeDevice device = new ComputeDevice(configured, 2.0, 10.0, List::of);
            assertEquals("cpu", device.name(), "configured " + configured);
            assertEquals(2.0, device.rate());
            assertTrue(device.deviceName().endsWith(" cores)"), device.deviceName());
        }
    }

    @Test
    void configuredCpuIgnoresAGpu() {
        ComputeDevice cpu = new ComputeDevice("CPU", 1.0, 10.0, () -> ONE_GPU);
        assertEquals("cpu", cpu.name());
        assertEquals(1.0, cpu.rate());
    }

    @Test
    void theCpuBuildSeesNoGpu() {
        // the build uses the CPU natives (the gpu profile is not active): TensorFlow itself lists no GPU
        assertEquals(List.of(), ComputeDevice.visibleGpus());
        ComputeDevice auto = new ComputeDevice("auto", 2.0, 10.0);
        assertEquals("cpu", auto.name());
        assertEquals(2.0, auto.rate());
    }

    @Test
    void sessionsHideGpusFromCpuWorkAndGrowGpuMemoryOnDemand() {
        ConfigProto cpu = LoadedModel.sessionConfig(1, 1, false);
        assertEquals(0, cpu.getDeviceCountOrDefault("GPU", -1));
        assertTrue(cpu.getAllowSoftPlacement());
        ConfigProto gpu = LoadedModel.sessionConfig(2, 1, true);
        assertFalse(gpu.containsDeviceCount("GPU"));
        assertTrue(gpu.getGpuOptions().getAllowGrowth());
        assertTrue(gpu.getAllowSoftPlacement(), "ops without a GPU kernel fall back to the CPU");
        assertEquals(2, gpu.getIntraOpParallelismThreads());
    }
}
