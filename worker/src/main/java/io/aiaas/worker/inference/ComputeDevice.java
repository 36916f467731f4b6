package io.aiaas.worker.inference;

import static org.tensorflow.internal.c_api.global.tensorflow.*;

import io.aiaas.worker.config.WorkerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Locale;
import org.jboss.logging.Logger;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;

/**
 * The device jobs run on, which sets the rate they are billed at: {@code gpu} when configured so, or (with
 * {@code auto}) when a session of the loaded TensorFlow runtime lists a GPU; {@code cpu} otherwise.
 */
@Singleton
public class ComputeDevice {
    public static final String CPU = "cpu";
    public static final String GPU = "gpu";
    private static final Logger LOG = Logger.getLogger(ComputeDevice.class);

    private final String configured;
    private final double cpuRate;
    private final double gpuRate;
    private volatile String device;

    @Inject
    public ComputeDevice(WorkerConfig config) {
        this(config.device(), config.rates().cpu(), config.rates().gpu());
    }

    public ComputeDevice(String configured, double cpuRate, double gpuRate) {
        this.configured = configured == null ? "auto" : configured.trim().toLowerCase(Locale.ROOT);
        this.cpuRate = cpuRate;
        this.gpuRate = gpuRate;
    }

    /** {@code cpu} or {@code gpu}; detects on first use. */
    public String name() {
        String current = device;
        if (current == null) {
            current = switch (configured) {
                case CPU -> CPU;
                case GPU -> GPU;
                default -> detect();
            };
            device = current;
        }
        return current;
    }

    /** Compute units per second on this device. */
    public double rate() {
        return GPU.equals(name()) ? gpuRate : cpuRate;
    }

    private static String detect() {
        try {
            LOG.infof("TensorFlow %s", TensorFlow.version());
            boolean gpu = listsGpu();
            LOG.infof("compute device: %s", gpu ? GPU : CPU);
            return gpu ? GPU : CPU;
        } catch (RuntimeException | LinkageError e) {
            LOG.warnf("cannot list TensorFlow devices (%s); assuming CPU", e.toString());
            return CPU;
        }
    }

    /** Opens a session on an empty graph and asks it for its devices. */
    static boolean listsGpu() {
        TF_Status status = TF_NewStatus();
        TF_Graph graph = TF_NewGraph();
        TF_SessionOptions options = TF_NewSessionOptions();
        TF_Session session = null;
        try {
            session = TF_NewSession(graph, options, status);
            if (TF_GetCode(status) != TF_OK) {
                return false;
            }
            TF_DeviceList devices = TF_SessionListDevices(session, status);
            if (TF_GetCode(status) != TF_OK) {
                return false;
            }
            try {
                int count = TF_DeviceListCount(devices);
                for (int i = 0; i < count; i++) {
                    String type = TF_DeviceListType(devices, i, status).getString();
                    if ("GPU".equalsIgnoreCase(type)) {
                        return true;
                    }
                }
                return false;
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
