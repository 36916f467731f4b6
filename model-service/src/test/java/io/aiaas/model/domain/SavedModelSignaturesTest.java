package io.aiaas.model.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.model.support.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

class SavedModelSignaturesTest {

    @Test
    void readsTheServeGraphSkippingTheInitOp() {
        SavedModel model = SavedModel.newBuilder()
                .addMetaGraphs(MetaGraphDef.newBuilder()
                        .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve"))
                        .putSignatureDef(
                                "serving_default",
                                SignatureDef.newBuilder()
                                        .putInputs("x", tensor(DataType.DT_FLOAT, -1, 3))
                                        .putInputs("half", tensor(DataType.DT_HALF, 2))
                                        .putOutputs("y", unknownRank(DataType.DT_INT64))
                                        .build())
                        .putSignatureDef(Signature.INIT_OP, SignatureDef.getDefaultInstance()))
                .build();

        SortedMap<String, Signature> signatures = SavedModelSignatures.read(model);

        assertEquals(List.of("serving_default"), List.copyOf(signatures.keySet()));
        Signature sig = signatures.get("serving_default");
        assertEquals(
                List.of(
                        new TensorSpec("half", null, List.of(2L)),
                        new TensorSpec("x", Datatype.FP32, List.of(-1L, 3L))),
                sig.inputs());
        assertEquals(List.of(new TensorSpec("y", Datatype.INT64, null)), sig.outputs());
    }

    @Test
    void refusesFilesThatAreNotSavedModels(@TempDir Path dir) throws IOException {
        Path pb = dir.resolve("saved_model.pb");
        Files.write(pb, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
        ApiException e = assertThrows(ApiException.class, () -> SavedModelSignatures.read(pb));
        assertEquals(ProblemType.UNPROCESSABLE, e.type());

        ApiException empty =
                assertThrows(ApiException.class, () -> SavedModelSignatures.read(SavedModel.getDefaultInstance()));
        assertEquals(ProblemType.UNPROCESSABLE, empty.type());
    }

    @Test
    void readsThePythonExportedModel() throws IOException {
        Path dir = TestModels.pythonOrSkip();
        SortedMap<String, Signature> signatures = SavedModelSignatures.read(dir.resolve("saved_model.pb"));
        assertEquals(
                List.of("add", "get_const_matrix", "get_const_scalar", "get_const_vector", "get_variable"),
                List.copyOf(signatures.keySet()));
        Signature add = signatures.get("add");
        assertEquals(
                List.of(new TensorSpec("a", Datatype.FP32, null), new TensorSpec("b", Datatype.FP32, null)),
                add.inputs());
        assertEquals("output_0", add.outputs().get(0).name());
        assertTrue(signatures.values().stream()
                .flatMap(s -> s.inputs().stream())
                .allMatch(t -> t.shape() == null && t.datatype() == Datatype.FP32));
        assertNull(signatures.get(Signature.SERVING_DEFAULT));
    }

    private static TensorInfo tensor(DataType type, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return TensorInfo.newBuilder()
                .setName("t:0")
                .setDtype(type)
                .setTensorShape(shape)
                .build();
    }

    private static TensorInfo unknownRank(DataType type) {
        return TensorInfo.newBuilder()
                .setName("t:0")
                .setDtype(type)
                .setTensorShape(TensorShapeProto.newBuilder().setUnknownRank(true))
                .build();
    }
}
