package io.aiaas.worker.inference;

import io.aiaas.common.archive.SavedModelArchive;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.SignatureDef;

/** A SavedModel loaded into TensorFlow, with its signatures as the proto describes them. */
public final class LoadedModel implements AutoCloseable {
    /** Not a signature a tenant can call. */
    static final String INIT_OP = "__saved_model_init_op";

    private final String key;
    private final SavedModelBundle bundle;
    private final Path directory;
    private final Map<String, SignatureSpec> signatures;

    private LoadedModel(String key, SavedModelBundle bundle, Path directory) {
        this.key = key;
        this.bundle = bundle;
        this.directory = directory;
        Map<String, SignatureSpec> specs = new LinkedHashMap<>();
        bundle.metaGraphDef().getSignatureDefMap().forEach((name, def) -> {
            if (!INIT_OP.equals(name)) {
                specs.put(name, SignatureSpec.of(name, def));
            }
        });
        this.signatures = Collections.unmodifiableMap(specs);
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

    public Map<String, SignatureSpec> signatures() {
        return signatures;
    }

    @Override
    public void close() {
        bundle.close();
        if (directory != null) {
            SavedModelArchive.deleteTree(directory);
        }
    }

    /** A signature's inputs and outputs, in the proto's order. */
    public record SignatureSpec(String name, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {
        static SignatureSpec of(String name, SignatureDef def) {
            Map<String, TensorSpec> in = new LinkedHashMap<>();
            def.getInputsMap().forEach((k, v) -> in.put(k, TensorSpec.of(k, v)));
            Map<String, TensorSpec> out = new LinkedHashMap<>();
            def.getOutputsMap().forEach((k, v) -> out.put(k, TensorSpec.of(k, v)));
            return new SignatureSpec(name, Collections.unmodifiableMap(in), Collections.unmodifiableMap(out));
        }
    }
}
