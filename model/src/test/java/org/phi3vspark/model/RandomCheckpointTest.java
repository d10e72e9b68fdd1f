package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.io.TensorInfo;

class RandomCheckpointTest {
    private static final Path REAL_CONFIG = Path.of("../testdata/phi3v-files/config.json");

    @TempDir
    Path tmp;

    private static Map<String, List<Long>> shapes(Iterable<TensorInfo> tensors) {
        Map<String, List<Long>> shapes = new TreeMap<>();
        for (TensorInfo t : tensors) {
            shapes.put(t.name(), dims(t.shape()));
        }
        return shapes;
    }

    private static Map<String, List<Long>> specShapes(List<RandomCheckpoint.TensorSpec> specs) {
        Map<String, List<Long>> shapes = new TreeMap<>();
        for (RandomCheckpoint.TensorSpec s : specs) {
            shapes.put(s.name(), dims(s.shape()));
        }
        return shapes;
    }

    private static List<Long> dims(long[] shape) {
        List<Long> out = new ArrayList<>();
        for (long d : shape) {
            out.add(d);
        }
        return out;
    }

    /** For every checkpoint of the fixtures, the tensors derived from its config are exactly the ones it holds. */
    @Test
    void tensorNamesAndShapesMatchEveryFixtureCheckpoint() throws IOException {
        List<Path> checkpoints;
        try (Stream<Path> s = Files.list(GoldenSet.fixtures().resolve("checkpoints"))) {
            checkpoints = s.filter(p -> Files.isRegularFile(p.resolve("model.safetensors"))).sorted().toList();
        }
        assertTrue(checkpoints.size() >= 2, "fixture checkpoints: " + checkpoints);
        for (Path dir : checkpoints) {
            ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
            try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                assertEquals(shapes(st.tensors().values()), specShapes(RandomCheckpoint.tensorSpecs(config)),
                        dir.toString());
            }
        }
    }

    /** The real shape's config is the hub's config.json with only the layer count (and labels) changed. */
    @Test
    void realShapeKeepsTheRealConfigButTheLayerCount() throws IOException {
        JsonObject real = JsonParser.parseString(Files.readString(REAL_CONFIG)).getAsJsonObject();
        JsonObject made = RandomCheckpoint.config(ModelShape.parse("real,layers=2"));
        for (String key : List.of("_name_or_path", "num_hidden_layers", "torch_dtype", "_attn_implementation")) {
            real.remove(key);
            made.remove(key);
        }
        assertEquals(real, made);
        assertNull(RandomCheckpoint.config(ModelShape.REAL).getAsJsonObject("img_processor").get("vision_config"),
                "no vision_config: the loader's CLIP ViT-L/14-336 fallback runs");
    }

    @Test
    void shippedTokenizerAndProcessorFilesAreTheRealOnes() throws IOException {
        Path tiny = GoldenSet.fixtureCheckpoint("tiny-f32");
        for (String f : RandomCheckpoint.REAL_FILES) {
            try (InputStream shipped = getClass().getResourceAsStream(RandomCheckpoint.REAL_FILES_RESOURCE + f)) {
                assertArrayEquals(Files.readAllBytes(tiny.resolve(f)), shipped.readAllBytes(), f);
            }
        }
    }

    @Test
    void writesALoadableCheckpointOfTheShapeAsked() {
        ModelShape shape = ModelShape.parse("hidden=96,heads=6,kv-heads=2,layers=3,intermediate=160,vision=48x2,"
                + "vision-heads=3");
        Path dir = tmp.resolve("m");
        List<String> written = new ArrayList<>();
        RandomCheckpoint.write(dir, shape, 7, (tensor, done, total) -> written.add(tensor));
        assertTrue(RandomCheckpoint.isRandomCheckpoint(dir));
        try (Phi3VModel model = Phi3VModel.load(dir, ai.djl.Device.cpu())) {
            ModelConfig c = model.config();
            assertEquals(96, c.hiddenSize());
            assertEquals(6, c.numAttentionHeads());
            assertEquals(2, c.numKeyValueHeads());
            assertEquals(3, c.numHiddenLayers());
            assertEquals(48, c.vision().hiddenSize());
            assertEquals(8, c.ropeScaling().shortFactor().length, "factor lists resampled to head_dim / 2");
            assertEquals(RandomCheckpoint.tensorSpecs(c).size(), written.size(), "progress once per tensor");
            var result = model.generate(new org.phi3vspark.model.generate.GenerationRequest(
                    model.promptBuilder().build(List.of(new org.phi3vspark.model.text.ChatMessage("user", "Hi")),
                            new int[0]),
                    List.of(), org.phi3vspark.model.generate.GenerationConfig.greedy(3)));
            assertTrue(result.outputTokens() >= 1);
        }
    }

    @Test
    void shapeSpecsParseAndRoundTrip() {
        assertEquals(ModelShape.SMALL, ModelShape.parse("small"));
        assertEquals(ModelShape.SMALL, ModelShape.parse(ModelShape.SMALL.spec()));
        assertEquals(ModelShape.REAL, ModelShape.parse(ModelShape.REAL.spec()));
        ModelShape two = ModelShape.parse("real, layers=2");
        assertEquals(2, two.layers());
        assertTrue(two.usesClipLarge());
        ModelShape custom = ModelShape.parse("hidden=512,heads=32,layers=6,intermediate=1024,vision=128x4,vision-heads=16");
        assertEquals(new ModelShape.Vision(128, 4, 16, 512), custom.vision(), "a new width: CLIP's MLP of 4x width");
        assertEquals(ModelShape.HEADS32, ModelShape.parse(
                "hidden=512,heads=32,layers=6,intermediate=1024,vision=128x4,vision-heads=16,vision-mlp=256"));
    }

    @Test
    void badShapeSpecsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("huge")).getMessage()
                .contains("unknown model shape preset 'huge'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("small,depth=3")).getMessage()
                .contains("unknown model shape key 'depth'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("small,heads=7")).getMessage()
                .contains("not divisible by heads 7"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("small,layers=x")).getMessage()
                .contains("layers must be an integer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("small,vision=12")).getMessage()
                .contains("clip-l or WIDTHxLAYERS"));
    }
}
