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
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/** A SavedModel loaded into TensorFlow, with its callable signatures as the proto describes them. */
public final class LoadedModel implements AutoCloseable {
    private final String key;
    private final SavedModelBundle bundle;
    private final Path directory;
    private final SortedMap<String, Signature> signatures;

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
     */
    public static LoadedModel load(String key, Path savedModelDir, Path directory, int intraOp, int interOp) {
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOp)
                .setInterOpParallelismThreads(interOp)
                .setAllowSoftPlacement(true)
                .build();
        SavedModelBundle bundle = SavedModelBundle.loader(savedModelDir.toString())
                .withTags(SavedModelBundle.DEFAULT_TAG)
                .withConfigProto(config)
                .load();
        try {
            return new LoadedModel(key, bundle, directory);
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    public String key() {
        return key;
    }

    public SavedModelBundle bundle() {
        return bundle;
    }

    /** The callable signatures by name ({@code __saved_model_init_op} left out). */
    public Map<String, Signature> signatures() {
        return signatures;
    }

    @Override
    public void close() {
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
