package io.aiaas.model.domain;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The signatures of a SavedModel, read from {@code saved_model.pb} with TensorFlow's generated protocol buffers only:
 * accepting an upload never loads the TensorFlow runtime or runs any of the model's code.
 */
public final class SavedModelSignatures {
    private static final String SERVE_TAG = "serve";

    private SavedModelSignatures() {}

    /**
     * Signatures by name (sorted) of the {@code serve} meta graph, or of the only/first one.
     *
     * @throws ApiException 422 when the file is not a SavedModel or has no callable signature
     */
    public static SortedMap<String, Signature> read(Path savedModelPb) throws IOException {
        SavedModel savedModel;
        try (InputStream in = Files.newInputStream(savedModelPb)) {
            savedModel = SavedModel.parseFrom(in);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw ApiException.unprocessable("Not a SavedModel: saved_model.pb cannot be read as one.");
        }
        return read(savedModel);
    }

    public static SortedMap<String, Signature> read(SavedModel savedModel) {
        if (savedModel.getMetaGraphsCount() == 0) {
            throw ApiException.unprocessable("Not a SavedModel: saved_model.pb holds no meta graph.");
        }
        MetaGraphDef graph = savedModel.getMetaGraphsList().stream()
                .filter(g -> g.getMetaInfoDef().getTagsList().contains(SERVE_TAG))
                .findFirst()
                .orElse(savedModel.getMetaGraphs(0));
        SortedMap<String, Signature> signatures = new TreeMap<>();
        graph.getSignatureDefMap().forEach((name, def) -> {
            if (Signature.callable(name)) {
                signatures.put(name, signature(def));
            }
        });
        if (signatures.isEmpty()) {
            throw ApiException.unprocessable("The SavedModel has no signature to serve.");
        }
        return signatures;
    }

    private static Signature signature(SignatureDef def) {
        return new Signature(tensors(def.getInputsMap()), tensors(def.getOutputsMap()));
    }

    private static List<TensorSpec> tensors(Map<String, TensorInfo> infos) {
        List<TensorSpec> out = new ArrayList<>();
        infos.forEach((name, info) -> out.add(new TensorSpec(
                name,
                Datatype.fromTensorflow(info.getDtype().name()).orElse(null),
                info.hasTensorShape() ? shape(info.getTensorShape()) : null)));
        out.sort(Comparator.comparing(TensorSpec::name));
        return List.copyOf(out);
    }

    private static List<Long> shape(TensorShapeProto shape) {
        if (shape.getUnknownRank()) {
            return null;
        }
        return shape.getDimList().stream().map(TensorShapeProto.Dim::getSize).toList();
    }
}
