package org.phi3vspark.model.io;

import com.google.gson.JsonElement;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.config.VisionConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Loads every checkpoint listed in the golden index with the shapes its config implies. */
class GoldenCheckpointTest {
    private static final Path GOLDEN = Path.of(System.getProperty("phi3v.golden.dir", "../testdata/golden"));

    static List<Path> checkpointDirs() {
        List<Path> dirs = new ArrayList<>();
        for (JsonElement name : JsonFiles.readObject(GOLDEN.resolve("index.json")).getAsJsonArray("checkpoints")) {
            dirs.add(GOLDEN.resolve("checkpoints").resolve(name.getAsString()));
        }
        assertFalse(dirs.isEmpty(), "golden index lists no checkpoints");
        return dirs;
    }

    /** Every tensor the Phi-3.5-vision checkpoint layout has, with the shape the config implies. */
    static Map<String, long[]> expectedTensors(ModelConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long v = c.vocabSize();
        long inter = c.intermediateSize();
        long qkv = (long) (c.numAttentionHeads() + 2 * c.numKeyValueHeads()) * c.headDim();
        m.put("model.embed_tokens.weight", new long[] {v, h});
        m.put("lm_head.weight", new long[] {v, h});
        m.put("model.norm.weight", new long[] {h});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            m.put(p + "self_attn.qkv_proj.weight", new long[] {qkv, h});
            m.put(p + "self_attn.o_proj.weight", new long[] {h, h});
            m.put(p + "mlp.gate_up_proj.weight", new long[] {2 * inter, h});
            m.put(p + "mlp.down_proj.weight", new long[] {h, inter});
        }
        long d4 = 4L * c.imageDimOut();
        String ve = "model.vision_embed_tokens.";
        m.put(ve + "glb_GN", new long[] {1, 1, d4});
        m.put(ve + "sub_GN", new long[] {1, 1, 1, d4});
        m.put(ve + "img_projection.0.weight", new long[] {h, d4});
        m.put(ve + "img_projection.0.bias", new long[] {h});
        m.put(ve + "img_projection.2.weight", new long[] {h, h});
        m.put(ve + "img_projection.2.bias", new long[] {h});
        VisionConfig vc = c.vision();
        long w = vc.hiddenSize();
        long n = vc.numPatchesPerSide();
        String vm = ve + "img_processor.vision_model.";
        m.put(vm + "embeddings.class_embedding", new long[] {w});
        m.put(vm + "embeddings.patch_embedding.weight", new long[] {w, 3, vc.patchSize(), vc.patchSize()});
        m.put(vm + "embeddings.position_embedding.weight", new long[] {n * n + 1, w});
        for (String ln : new String[] {"pre_layrnorm", "post_layernorm"}) {
            m.put(vm + ln + ".weight", new long[] {w});
            m.put(vm + ln + ".bias", new long[] {w});
        }
        for (int j = 0; j < vc.numHiddenLayers(); j++) {
            String p = vm + "encoder.layers." + j + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                m.put(p + "self_attn." + proj + ".weight", new long[] {w, w});
                m.put(p + "self_attn." + proj + ".bias", new long[] {w});
            }
            for (String ln : new String[] {"layer_norm1", "layer_norm2"}) {
                m.put(p + ln + ".weight", new long[] {w});
                m.put(p + ln + ".bias", new long[] {w});
            }
            m.put(p + "mlp.fc1.weight", new long[] {vc.intermediateSize(), w});
            m.put(p + "mlp.fc1.bias", new long[] {vc.intermediateSize()});
            m.put(p + "mlp.fc2.weight", new long[] {w, vc.intermediateSize()});
            m.put(p + "mlp.fc2.bias", new long[] {w});
        }
        return m;
    }

    @TestFactory
    Stream<DynamicTest> everyExpectedTensorLoadsAndNothingIsLeftOver() {
        return checkpointDirs().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
            try (Checkpoint ckpt = Checkpoint.open(dir)) {
                for (Map.Entry<String, long[]> e : expectedTensors(config).entrySet()) {
                    FloatBuffer b = ckpt.readFloat32(e.getKey(), e.getValue());
                    long count = 1;
                    for (long d : e.getValue()) {
                        count *= d;
                    }
                    assertEquals(count, b.remaining(), e.getKey());
                }
                // Old CLIP exports may carry a position_ids buffer, which the model recomputes.
                ckpt.checkAllUsed(name -> name.endsWith(".position_ids"));
                assertTrue(ckpt.revision().matches("[0-9a-f]{64}"));
            }
        }));
    }

    /** Every float equals the exact upcast of the stored bits, decoded here from the raw file bytes. */
    @TestFactory
    Stream<DynamicTest> valuesEqualTheExactUpcastOfTheRawBytes() {
        return checkpointDirs().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Map<Path, ByteBuffer> files = new LinkedHashMap<>();
            int nonZero = 0;
            try (Checkpoint ckpt = Checkpoint.open(dir)) {
                for (String name : ckpt.names()) {
                    TensorInfo t = ckpt.info(name);
                    if (!t.dtype().isFloatingPoint()) {
                        continue;
                    }
                    FloatBuffer got = ckpt.readFloat32(name);
                    ByteBuffer raw = files.computeIfAbsent(t.file(), GoldenCheckpointTest::readAll);
                    long headerLength = raw.getLong(0);
                    int base = (int) t.begin();
                    assertTrue(base >= 8 + headerLength, name);
                    for (int i = 0; i < got.remaining(); i++) {
                        int want = switch (t.dtype()) {
                            case BF16 -> (raw.getShort(base + 2 * i) & 0xffff) << 16;
                            case F32 -> raw.getInt(base + 4 * i);
                            default -> {
                                fail("golden checkpoints use F32 or BF16, " + name + " is " + t.dtype());
                                yield 0;
                            }
                        };
                        int gotBits = Float.floatToRawIntBits(got.get(i));
                        if (gotBits != want) {
                            fail(name + "[" + i + "] = " + Float.intBitsToFloat(gotBits) + ", stored bits give "
                                    + Float.intBitsToFloat(want));
                        }
                        if (gotBits != 0) {
                            nonZero++;
                        }
                    }
                }
            }
            assertNotEquals(0, nonZero, "checkpoint holds only zeros");
        }));
    }

    private static ByteBuffer readAll(Path file) {
        try {
            return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> metadataIsPytorchFormat() {
        return checkpointDirs().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Path file;
            try (Checkpoint ckpt = Checkpoint.open(dir)) {
                file = ckpt.info(ckpt.names().iterator().next()).file();
            }
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertEquals("pt", f.metadata().get("format"));
                assertFalse(f.tensors().containsKey("__metadata__"));
            }
        }));
    }
}
