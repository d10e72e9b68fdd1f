package org.phi3vspark.model.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.io.CheckpointException;
import org.phi3vspark.model.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    private static final Path GOLDEN = Path.of(System.getProperty("phi3v.golden.dir", "../testdata/golden"));

    @TempDir
    Path dir;

    private Path write(String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return file;
    }

    /** The real config with one edit applied. */
    private Path realWith(Consumer<JsonObject> edit) throws IOException {
        JsonObject o = JsonParser.parseString(RealConfig.JSON).getAsJsonObject();
        edit.accept(o);
        return write(o.toString());
    }

    private static void assertMentions(CheckpointException e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), () -> "message lacks the file: " + m);
        for (String p : parts) {
            assertTrue(m.contains(p), () -> "message lacks '" + p + "': " + m);
        }
    }

    @Test
    void realPhi35VisionConfig() throws IOException {
        ModelConfig c = ModelConfig.load(write(RealConfig.JSON));
        assertEquals(32064, c.vocabSize());
        assertEquals(3072, c.hiddenSize());
        assertEquals(8192, c.intermediateSize());
        assertEquals(32, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(32, c.numKeyValueHeads());
        assertEquals(96, c.headDim());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(4096, c.originalMaxPositionEmbeddings());
        assertEquals(131072, c.maxPositionEmbeddings());
        assertEquals(Math.sqrt(1 + Math.log(32) / Math.log(4096)), c.ropeMagnitude(), 1e-15);
        assertEquals(1, c.bosTokenId());
        assertEquals(2, c.eosTokenId());
        assertEquals(32000, c.padTokenId());
        assertEquals(1024, c.imageDimOut());
        assertEquals(144, c.numImgTokens());
        assertEquals(VisionConfig.clipLarge336(), c.vision());
        assertEquals(24, c.vision().numPatchesPerSide());
        assertEquals(64, c.vision().headDim());

        RopeScaling rope = c.ropeScaling();
        assertEquals("su", rope.type());
        assertTrue(rope.isScaled());
        assertEquals(48, rope.shortFactor().length);
        assertEquals(48, rope.longFactor().length);
        // Values are the JSON doubles narrowed to float32 (spec Appendix A: long starts 1.08, 1.11).
        assertEquals((float) 1.0800000429153442, rope.longFactor()[0]);
        assertEquals((float) 1.1100000143051147, rope.longFactor()[1]);
        JsonArray shortJson = JsonParser.parseString(RealConfig.JSON).getAsJsonObject()
                .getAsJsonObject("rope_scaling").getAsJsonArray("short_factor");
        for (int i = 0; i < 48; i++) {
            assertEquals((float) shortJson.get(i).getAsDouble(), rope.shortFactor()[i]);
        }
    }

    /** The shared copy of the real file, when this machine has it, is the same config as the embedded one. */
    @Test
    void sharedRealConfigMatchesTheEmbeddedCopy() throws IOException {
        Path shared = Path.of("/work/shared/phi3v-files/config.json");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(shared));
        assertEquals(ModelConfig.load(write(RealConfig.JSON)), ModelConfig.load(shared));
    }

    static List<Path> goldenCheckpoints() {
        List<Path> dirs = new ArrayList<>();
        for (JsonElement name : JsonFiles.readObject(GOLDEN.resolve("index.json")).getAsJsonArray("checkpoints")) {
            dirs.add(GOLDEN.resolve("checkpoints").resolve(name.getAsString()));
        }
        assertFalse(dirs.isEmpty());
        return dirs;
    }

    /** Each golden config parses to exactly the values written in it, with the tiny CLIP from vision_config. */
    @TestFactory
    Stream<DynamicTest> goldenCheckpointConfigs() {
        return goldenCheckpoints().stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> {
            Path file = d.resolve("config.json");
            JsonObject raw = JsonFiles.readObject(file);
            ModelConfig c = ModelConfig.load(file);
            assertEquals(raw.get("hidden_size").getAsInt(), c.hiddenSize());
            assertEquals(raw.get("num_hidden_layers").getAsInt(), c.numHiddenLayers());
            assertEquals(raw.get("num_attention_heads").getAsInt(), c.numAttentionHeads());
            assertEquals(raw.get("intermediate_size").getAsInt(), c.intermediateSize());
            assertEquals(raw.get("vocab_size").getAsInt(), c.vocabSize());
            assertEquals(raw.get("original_max_position_embeddings").getAsInt(), c.originalMaxPositionEmbeddings());
            assertEquals(c.hiddenSize() / c.numAttentionHeads(), c.headDim());
            assertEquals(c.headDim() / 2, c.ropeScaling().shortFactor().length);
            double scale = (double) c.maxPositionEmbeddings() / c.originalMaxPositionEmbeddings();
            double magnitude = scale <= 1 ? 1.0
                    : Math.sqrt(1 + Math.log(scale) / Math.log(c.originalMaxPositionEmbeddings()));
            assertEquals(magnitude, c.ropeMagnitude(), 1e-15);
            JsonObject vision = raw.getAsJsonObject("img_processor").getAsJsonObject("vision_config");
            VisionConfig v = c.vision();
            assertEquals(vision.get("hidden_size").getAsInt(), v.hiddenSize());
            assertEquals(vision.get("intermediate_size").getAsInt(), v.intermediateSize());
            assertEquals(vision.get("num_hidden_layers").getAsInt(), v.numHiddenLayers());
            assertEquals(vision.get("num_attention_heads").getAsInt(), v.numAttentionHeads());
            assertEquals(vision.get("image_size").getAsInt(), v.imageSize());
            assertEquals(vision.get("patch_size").getAsInt(), v.patchSize());
            assertEquals(vision.get("hidden_act").getAsString(), v.hiddenAct());
            assertEquals(v.hiddenSize(), c.imageDimOut());
        }));
    }

    @Test
    void magnitudeOfTheTinyBf16Layout() throws IOException {
        // original 256, max 131072: sqrt(1 + ln 512 / ln 256) = sqrt(1 + 9/8).
        ModelConfig c = ModelConfig.load(realWith(o -> o.addProperty("original_max_position_embeddings", 256)));
        assertEquals(Math.sqrt(1 + 9.0 / 8), c.ropeMagnitude(), 1e-15);
        ModelConfig unextended = ModelConfig.load(realWith(o -> o.addProperty("max_position_embeddings", 4096)));
        assertEquals(1.0, unextended.ropeMagnitude());
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("absent").resolve("config.json");
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelConfig.load(file));
        assertMentions(e, file);
    }

    @Test
    void invalidJsonIsNamed() throws IOException {
        Path file = write("{\"hidden_size\": 3072,");
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(file)), file);
        Path array = write("[]");
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(array)), array);
    }

    @Test
    void everyRequiredKeyIsNamedWhenAbsent() throws IOException {
        for (String key : List.of("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                "num_attention_heads", "rms_norm_eps")) {
            Path file = realWith(o -> o.remove(key));
            CheckpointException e = assertThrows(CheckpointException.class, () -> ModelConfig.load(file), key);
            assertMentions(e, file, key);
        }
    }

    @Test
    void nestedKeysAreNamedWithTheirPath() throws IOException {
        Path noShort = realWith(o -> o.getAsJsonObject("rope_scaling").remove("short_factor"));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(noShort)), noShort,
                "rope_scaling.short_factor");
        Path noType = realWith(o -> o.getAsJsonObject("rope_scaling").remove("type"));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(noType)), noType,
                "rope_scaling.type");
    }

    @Test
    void hiddenSizeMustSplitIntoHeads() throws IOException {
        Path file = realWith(o -> o.addProperty("num_attention_heads", 5));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(file)), file, "hidden_size",
                "num_attention_heads");
        Path vision = realWith(o -> {
            JsonObject vc = new JsonObject();
            // the implemented image and patch sizes, so that the check under test is the one that fails
            vc.addProperty("image_size", 336);
            vc.addProperty("patch_size", 14);
            vc.addProperty("hidden_size", 50);
            vc.addProperty("num_attention_heads", 3);
            vc.addProperty("image_size", 336); // the values this runtime implements, so the heads check is reached
            vc.addProperty("patch_size", 14);
            o.getAsJsonObject("img_processor").add("vision_config", vc);
        });
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(vision)), vision,
                "img_processor.vision_config.hidden_size");
    }

    @Test
    void ropeFactorListsMustHaveHalfTheHeadDim() throws IOException {
        Path file = realWith(o -> o.getAsJsonObject("rope_scaling").getAsJsonArray("long_factor").remove(0));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(file)), file,
                "rope_scaling.long_factor", "47", "48");
        Path heads = realWith(o -> {
            o.addProperty("num_attention_heads", 16);
            o.addProperty("num_key_value_heads", 16);
        });
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(heads)), heads,
                "rope_scaling.short_factor");
    }

    @Test
    void unsupportedRopeTypeIsNamed() throws IOException {
        Path file = realWith(o -> o.getAsJsonObject("rope_scaling").addProperty("type", "yarn"));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(file)), file,
                "rope_scaling.type", "yarn");
    }

    @Test
    void wronglyTypedValuesAreNamed() throws IOException {
        Path text = realWith(o -> o.addProperty("hidden_size", "3072"));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(text)), text, "hidden_size");
        Path fraction = realWith(o -> o.addProperty("num_hidden_layers", 2.5));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(fraction)), fraction,
                "num_hidden_layers");
        Path factor = realWith(o -> o.getAsJsonObject("rope_scaling").getAsJsonArray("short_factor").set(3,
                new com.google.gson.JsonPrimitive("x")));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(factor)), factor,
                "rope_scaling.short_factor[3]");
    }

    @Test
    void eosMayBeAList() throws IOException {
        ModelConfig c = ModelConfig.load(realWith(o -> {
            JsonArray ids = new JsonArray();
            ids.add(32007);
            ids.add(2);
            o.add("eos_token_id", ids);
        }));
        assertEquals(32007, c.eosTokenId());
    }

    @Test
    void optionalBlocksFallBack() throws IOException {
        ModelConfig c = ModelConfig.load(realWith(o -> {
            o.remove("rope_scaling");
            o.remove("img_processor");
            o.remove("num_key_value_heads");
            o.add("pad_token_id", com.google.gson.JsonNull.INSTANCE);
        }));
        assertEquals(RopeScaling.NONE, c.ropeScaling().type());
        assertFalse(c.ropeScaling().isScaled());
        float[] ones = new float[48];
        java.util.Arrays.fill(ones, 1f);
        assertArrayEquals(ones, c.ropeScaling().shortFactor());
        assertEquals(1.0, c.ropeMagnitude());
        assertEquals(VisionConfig.clipLarge336(), c.vision());
        assertEquals(1024, c.imageDimOut());
        assertEquals(32, c.numKeyValueHeads());
        assertEquals(-1, c.padTokenId());
    }

    @Test
    void imageDimOutMustMatchTheClipWidth() throws IOException {
        Path file = realWith(o -> o.getAsJsonObject("img_processor").addProperty("image_dim_out", 768));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(file)), file,
                "img_processor.image_dim_out");
    }

    /** One config value the runtime does not implement: where it goes, what it is set to, what the error names. */
    private record Unimplemented(String path, Object value, String named) {
    }

    /**
     * Each value the original code supports but this runtime does not is refused at load, naming the key and
     * the value, instead of being silently run as the one implemented variant.
     */
    @TestFactory
    Stream<DynamicTest> unimplementedValuesAreRejectedNamingKeyAndValue() {
        List<Unimplemented> cases = List.of(
                new Unimplemented("img_processor.layer_idx", -1, "img_processor.layer_idx is -1"),
                new Unimplemented("img_processor.type_feature", "cls_patch", "img_processor.type_feature is \"cls_patch\""),
                new Unimplemented("img_processor.name", "siglip", "img_processor.name is \"siglip\""),
                new Unimplemented("img_processor.num_img_tokens", 256, "img_processor.num_img_tokens is 256"),
                new Unimplemented("embd_layer.hd_transform_order", "glb_sub", "embd_layer.hd_transform_order is \"glb_sub\""),
                new Unimplemented("embd_layer.use_hd_transform", false, "embd_layer.use_hd_transform is false"),
                new Unimplemented("embd_layer.with_learnable_separator", false,
                        "embd_layer.with_learnable_separator is false"),
                new Unimplemented("embd_layer.projection_cls", "linear", "embd_layer.projection_cls is \"linear\""),
                new Unimplemented("embd_layer.embedding_cls", "tune_image", "embd_layer.embedding_cls is \"tune_image\""),
                new Unimplemented("hidden_act", "gelu", "hidden_act is \"gelu\""),
                new Unimplemented("sliding_window", 2047, "sliding_window (2047) is below max_position_embeddings"),
                new Unimplemented("img_processor.vision_config.hidden_act", "gelu",
                        "img_processor.vision_config.hidden_act is \"gelu\""),
                new Unimplemented("img_processor.vision_config.image_size", 224,
                        "img_processor.vision_config.image_size is 224"));
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.path() + " = " + c.value(), () -> {
            Path file = realWith(o -> set(o, c.path(), c.value()));
            CheckpointException e = assertThrows(CheckpointException.class, () -> ModelConfig.load(file));
            assertMentions(e, file, c.named());
        }));
    }

    @Test
    void absentEmbeddingBlockMeansTheOriginalDefaultsWhichAreRefused() throws IOException {
        Path file = realWith(o -> o.remove("embd_layer"));
        assertMentions(assertThrows(CheckpointException.class, () -> ModelConfig.load(file)), file,
                "embd_layer.use_hd_transform is false");
    }

    @Test
    void implementedValuesGivenExplicitlyAreAccepted() throws IOException {
        ModelConfig c = ModelConfig.load(realWith(o -> {
            set(o, "img_processor.layer_idx", -2);
            set(o, "img_processor.type_feature", "patch");
            set(o, "sliding_window", 131072); // Phi-3-vision-128k: equal to max_position_embeddings, no effect
        }));
        assertEquals(3072, c.hiddenSize());
    }

    /** Sets a dotted path, creating objects on the way (vision_config included). */
    private static void set(JsonObject root, String path, Object value) {
        String[] keys = path.split("\\.");
        JsonObject o = root;
        for (int i = 0; i < keys.length - 1; i++) {
            if (!o.has(keys[i])) {
                JsonObject child = new JsonObject();
                if (keys[i].equals("vision_config")) {
                    child.addProperty("hidden_size", 1024); // = the real image_dim_out
                    child.addProperty("num_attention_heads", 16);
                    child.addProperty("image_size", 336);
                    child.addProperty("patch_size", 14);
                }
                o.add(keys[i], child);
            }
            o = o.getAsJsonObject(keys[i]);
        }
        String last = keys[keys.length - 1];
        if (value instanceof Number n) {
            o.addProperty(last, n);
        } else if (value instanceof Boolean b) {
            o.addProperty(last, b);
        } else {
            o.addProperty(last, (String) value);
        }
    }
}
