package org.phi3vspark.jobs.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.phi3vspark.model.ModelShape;
import org.phi3vspark.model.RandomCheckpoint;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCheckpointTest {
    static final Path GOLDEN = Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden"));

    @TempDir
    Path tmp;

    @Test
    void writesACompleteRandomCheckpointWithProgress() throws Exception {
        Path dir = tmp.resolve("demo-model");
        List<String> details = new ArrayList<>();
        long[] last = new long[2];
        DemoCheckpoint.ensure(dir, DemoCheckpoint.DEFAULT_SEED, (stage, done, total, detail) -> {
            details.add(detail);
            assertTrue(done >= last[0], "progress never goes back");
            last[0] = done;
            last[1] = total;
        });
        assertTrue(DemoCheckpoint.isDemoCheckpoint(dir));
        assertEquals(last[1], last[0], "progress ends at 100%");
        ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
        assertEquals(ModelShape.TINY.hiddenSize(), config.hiddenSize());
        List<RandomCheckpoint.TensorSpec> specs = RandomCheckpoint.tensorSpecs(config);
        assertEquals(specs.size(), details.size(), "one update per tensor");
        try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(specs.size(), st.tensors().size());
            assertEquals(ModelShape.TINY.spec(), st.metadata().get(RandomCheckpoint.MARKER_KEY));
            FloatBuffer emb = st.readFloat32("model.embed_tokens.weight");
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < emb.capacity(); i++) {
                float v = emb.get(i);
                assertTrue(Float.isFinite(v));
                sum += v;
                sq += v * v;
            }
            double mean = sum / emb.capacity();
            double std = Math.sqrt(sq / emb.capacity() - mean * mean);
            assertEquals(0.0, mean, 0.001);
            assertEquals(0.02, std, 0.001);
            assertEquals(1f, st.readFloat32("model.norm.weight").get(0));
        }
        for (String f : RandomCheckpoint.REAL_FILES) {
            assertArrayEquals(Files.readAllBytes(GOLDEN.resolve("checkpoints/tiny-f32").resolve(f)),
                    Files.readAllBytes(dir.resolve(f)), f + " is the real file");
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList(), "no temporary folder left behind");
        }
    }

    @Test
    void reusesAnExistingDemoCheckpointAndRefusesOtherFolders() throws Exception {
        Path dir = tmp.resolve("m");
        DemoCheckpoint.ensure(dir, 1, ProgressListener.none());
        long written = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        List<String> details = new ArrayList<>();
        DemoCheckpoint.ensure(dir, 1, (stage, done, total, detail) -> details.add(detail));
        assertEquals(written, Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis());
        assertEquals(List.of("reusing " + dir), details);

        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DemoCheckpoint.ensure(other, 1, ProgressListener.none()));
        assertTrue(e.getMessage().contains(other.toString()), e.getMessage());
    }
}
