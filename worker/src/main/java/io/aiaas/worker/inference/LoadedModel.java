package io.aiaas.worker.inference;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A SavedModel loaded into TensorFlow, with its callable signatures as the proto describes them. {@link ModelCache}
 * decides when it is closed: never while a run holds a lease on it.
 */
public final class LoadedModel implements AutoCloseable {
    static {
        // Before any session runs: a signature may feed or return INT8/INT16 tensors.
        NarrowIntegerTensors.ensureRegistered();
    }

    private final String key;
    private final SavedModelBundle bundle;
    private final Path directory;
    private final SortedMap<String, Signature> signatures;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LoadedModel(String key, SavedModelBundle bundle, Path directory) {
        this.key = key;
        this.bundle = bundle;
        this.directory = directory;
        SortedMap<String, Signature> callable = new TreeMap<>();
        bundle.metaGraphDef().getSignatureDefMap().forEach((name, def) -> {
            if (Signature.callable(name)) {
                callable.put(name, signatureOf(def));
            }
        });
        this.signatures = Collections.unmodifiableSortedMap(callable);
    }

    /**
     * Loads the SavedModel in {@code savedModelDir} (tag {@code serve}) with sessions of the given thread counts.
     *
     * @param directory the directory to delete when the model is closed (null: keep)
     * @param gpu whether the session may place work on a GPU; without it, GPUs stay hidden from the session so that a
     *     job billed at the CPU rate runs on the CPU
     */
    public static LoadedModel load(
            String key, Path savedModelDir, Path directory, int intraOp, int interOp, boolean gpu) {
        SavedModelBundle bundle = SavedModelBundle.loader(savedModelDir.toString())
                .withTags(SavedModelBundle.DEFAULT_TAG)
                .withConfigProto(sessionConfig(intraOp, interOp, gpu))
                .load();
        try {
            return new LoadedModel(key, bundle, directory);
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    /**
     * TensorFlow places each op on a GPU when one is visible and the op has a GPU kernel; soft placement lets the rest
     * fall back to the CPU. Memory grows on demand, so the several models of the cache share the GPU rather than the
     * first one taking it all.
     */
    static ConfigProto sessionConfig(int intraOp, int interOp, boolean gpu) {
        ConfigProto.Builder config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOp)
                .setInterOpParallelismThreads(interOp)
                .setAllowSoftPlacement(true);
        if (gpu) {
            config.setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true));
        } else {
            config.putDeviceCount("GPU", 0);
        }
        return config.build();
    }

    public String key() {
        return key;
    }

    /** The TensorFlow bundle; only for a caller that holds a lease (or owns this model outright). */
    public SavedModelBundle bundle() {
        if (closed.get()) {
            throw new IllegalStateException("model " + key + " is closed");
        }
        return bundle;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** The callable signatures by name ({@code __saved_model_init_op} left out). */
    public Map<String, Signature> signatures() {
        return signatures;
    }

    /** Closes the bundle and deletes the unpacked files; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        bundle.close();
        if (directory != null) {
            SavedModelArchive.deleteTree(directory);
        }
    }

    static Signature signatureOf(SignatureDef def) {
        return new Signature(tensors(def.getInputsMap()), tensors(def.getOutputsMap()));
    }

    /**
     * The tensors of one side of a signature, sorted by name as model-service lists them. TensorFlow Java's own
     * {@code Shape} shows an unknown rank as a scalar, so the rank is taken from the proto's {@code unknown_rank}.
     */
    private static List<TensorSpec> tensors(Map<String, TensorInfo> infos) {
        List<TensorSpec> out = new ArrayList<>();
        infos.forEach((name, info) -> {
            TensorShapeProto shape = info.getTensorShape();
            List<Long> dims = info.hasTensorShape() && !shape.getUnknownRank()
                    ? shape.getDimList().stream()
                            .map(TensorShapeProto.Dim::getSize)
                            .toList()
                    : null;
            out.add(new TensorSpec(
                    name, Datatype.fromTensorflow(info.getDtype().name()).orElse(null), dims));
        });
        out.sort(Comparator.comparing(TensorSpec::name));
        return out;
    }
}
