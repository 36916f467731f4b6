package io.aiaas.worker.inference;

import static org.tensorflow.internal.c_api.global.tensorflow.*;

import io.aiaas.worker.config.WorkerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.jboss.logging.Logger;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;

/**
 * The device jobs run on, which sets the rate they are billed at: {@code gpu} when a session of the loaded TensorFlow
 * runtime lists a GPU (only the {@code -Pgpu} build's natives can), {@code cpu} otherwise. Configured {@code cpu}, GPUs
 * stay hidden from the sessions; configured {@code gpu} on a machine without one, the worker warns and runs (and
 * bills) on the CPU.
 */
@Singleton
public class ComputeDevice {
    public static final String CPU = "cpu";
    public static final String GPU = "gpu";
    private static final Logger LOG = Logger.getLogger(ComputeDevice.class);

    private final String configured;
    private final double cpuRate;
    private final double gpuRate;
    private final Supplier<List<String>> gpus;
    private volatile Detected detected;

    private record Detected(String device, String deviceName) {}

    @Inject
    public ComputeDevice(WorkerConfig config) {
        this(config.device(), config.rates().cpu(), config.rates().gpu());
    }

    public ComputeDevice(String configured, double cpuRate, double gpuRate) {
        this(configured, cpuRate, gpuRate, ComputeDevice::visibleGpus);
    }

    /** @param gpus the GPUs TensorFlow sees, by description (a test stands in for hardware it lacks) */
    ComputeDevice(String configured, double cpuRate, double gpuRate, Supplier<List<String>> gpus) {
        this.configured = configured == null ? "auto" : configured.trim().toLowerCase(Locale.ROOT);
        this.cpuRate = cpuRate;
        this.gpuRate = gpuRate;
        this.gpus = gpus;
    }

    /** {@code cpu} or {@code gpu}; detects on first use. */
    public String name() {
        return detected().device();
    }

    /** What the device is, for the fleet list: the GPUs TensorFlow lists, or the CPU model and its cores. */
    public String deviceName() {
        return detected().deviceName();
    }

    /** Compute units per second on this device. */
    public double rate() {
        return GPU.equals(name()) ? gpuRate : cpuRate;
    }

    private Detected detected() {
        Detected current = detected;
        if (current == null) {
            current = detect();
            detected = current;
        }
        return current;
    }

    private Detected detect() {
        if (CPU.equals(configured)) {
            return new Detected(CPU, cpuName());
        }
        List<String> visible;
        try {
            LOG.infof("TensorFlow %s", TensorFlow.version());
            visible = gpus.get();
        } catch (RuntimeException | LinkageError e) {
            LOG.warnf("cannot list TensorFlow devices (%s); assuming CPU", e.toString());
            visible = List.of();
        }
        if (visible.isEmpty()) {
            if (GPU.equals(configured)) {
                LOG.warn("aiaas.worker.device=gpu, but TensorFlow sees no GPU (CPU natives, or no CUDA driver): "
                        + "running and billing on the CPU");
            }
            LOG.infof("compute device: %s", CPU);
            return new Detected(CPU, cpuName());
        }
        String name = String.join(", ", visible);
        LOG.infof("compute device: %s (%s)", GPU, name);
        return new Detected(GPU, name);
    }

    /** The model name {@code /proc/cpuinfo} gives, else the architecture, with the cores this JVM may use. */
    static String cpuName() {
        String model = System.getProperty("os.arch");
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            model = lines.filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst()
                    .orElse(model);
        } catch (IOException | UncheckedIOException | SecurityException e) {
            // not Linux: the architecture says enough
        }
        return model + " (" + Runtime.getRuntime().availableProcessors() + " cores)";
    }

    /** Opens a session on an empty graph and asks it for its GPUs: {@code GPU:0 (15.7 GiB)} each. */
    static List<String> visibleGpus() {
        TF_Status status = TF_NewStatus();
        TF_Graph graph = TF_NewGraph();
        TF_SessionOptions options = TF_NewSessionOptions();
        TF_Session session = null;
        // The first session sets up the process's GPU allocator: it must grow on demand, as the models' sessions do,
        // rather than take the whole GPU for this probe.
        byte[] config = LoadedModel.sessionConfig(1, 1, true).toByteArray();
        try (BytePointer proto = new BytePointer(config)) {
            TF_SetConfig(options, proto, config.length, status);
            if (TF_GetCode(status) != TF_OK) {
                return List.of();
            }
            session = TF_NewSession(graph, options, status);
            if (TF_GetCode(status) != TF_OK) {
                return List.of();
            }
            TF_DeviceList devices = TF_SessionListDevices(session, status);
            if (TF_GetCode(status) != TF_OK) {
                return List.of();
            }
            try {
                List<String> found = new ArrayList<>();
                int count = TF_DeviceListCount(devices);
                for (int i = 0; i < count; i++) {
                    String type = TF_DeviceListType(devices, i, status).getString();
                    if ("GPU".equalsIgnoreCase(type)) {
                        String name = TF_DeviceListName(devices, i, status).getString();
                        long bytes = TF_DeviceListMemoryBytes(devices, i, status);
                        int at = name.lastIndexOf("device:");
                        String shortName = at < 0 ? name : name.substring(at + "device:".length());
                        found.add(String.format(Locale.ROOT, "%s (%.1f GiB)", shortName, bytes / (double) (1L << 30)));
                    }
                }
                return found;
            } finally {
                TF_DeleteDeviceList(devices);
            }
        } finally {
            if (session != null) {
                TF_CloseSession(session, status);
                TF_DeleteSession(session, status);
            }
            TF_DeleteSessionOptions(options);
            TF_DeleteGraph(graph);
            TF_DeleteStatus(status);
        }
    }
}
