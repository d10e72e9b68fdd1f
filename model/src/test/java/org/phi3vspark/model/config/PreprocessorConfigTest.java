package org.phi3vspark.model.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.io.CheckpointException;
import org.phi3vspark.model.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreprocessorConfigTest {
    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    @TempDir
    Path dir;

    private static float[] floats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).getAsDouble();
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> goldenPreprocessorConfigs() {
        return ModelConfigTest.goldenCheckpoints().stream().map(d -> DynamicTest.dynamicTest(
                d.getFileName().toString(), () -> {
                    Path file = d.resolve("preprocessor_config.json");
                    JsonObject raw = JsonFiles.readObject(file);
                    PreprocessorConfig c = PreprocessorConfig.load(file);
                    assertEquals(raw.get("num_crops").getAsInt(), c.numCrops());
                    assertArrayEquals(floats(raw.getAsJsonArray("image_mean")), c.imageMean());
                    assertArrayEquals(floats(raw.getAsJsonArray("image_std")), c.imageStd());
                }));
    }

    @Test
    void defaultsAreTheRealValues() {
        PreprocessorConfig d = PreprocessorConfig.defaults();
        assertEquals(4, d.numCrops());
        assertArrayEquals(CLIP_MEAN, d.imageMean());
        assertArrayEquals(CLIP_STD, d.imageStd());
        assertEquals(new PreprocessorConfig(4, CLIP_MEAN.clone(), CLIP_STD.clone()), d);
    }

    @Test
    void absentKeysTakeTheProcessorClassDefaults() throws IOException {
        Path file = dir.resolve("preprocessor_config.json");
        Files.writeString(file, "{\"image_processor_type\": \"Phi3VImageProcessor\"}");
        PreprocessorConfig c = PreprocessorConfig.load(file);
        assertEquals(1, c.numCrops());
        assertArrayEquals(CLIP_MEAN, c.imageMean());
        assertArrayEquals(CLIP_STD, c.imageStd());
    }

    @Test
    void badValuesNameKeyAndFile() throws IOException {
        Path file = dir.resolve("preprocessor_config.json");
        for (String[] bad : new String[][] {
                {"{\"num_crops\": 0}", "num_crops"},
                {"{\"num_crops\": \"4\"}", "num_crops"},
                {"{\"image_mean\": [0.5, 0.5]}", "image_mean"},
                {"{\"image_std\": [0.5, 0.0, 0.5]}", "image_std"},
                {"{\"image_std\": 0.5}", "image_std"}}) {
            Files.writeString(file, bad[0]);
            CheckpointException e = assertThrows(CheckpointException.class, () -> PreprocessorConfig.load(file),
                    bad[0]);
            assertTrue(e.getMessage().contains(bad[1]) && e.getMessage().contains(file.toString()), e.getMessage());
        }
        Path absent = dir.resolve("nope.json");
        CheckpointException e = assertThrows(CheckpointException.class, () -> PreprocessorConfig.load(absent));
        assertTrue(e.getMessage().contains("nope.json"), e.getMessage());
    }
}
