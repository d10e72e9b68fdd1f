package org.phi3vspark.jobs.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.io.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCheckpointTest {
    static final Path GOLDEN = Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden"));

    @TempDir
    Path tmp;

    private static Map<String, List<Long>> shapes(SafetensorsFile file) {
        Map<String, List<Long>> shapes = new TreeMap<>();
        for (TensorInfo t : file.tensors().values()) {
            List<Long> dims = new ArrayList<>();
            for (long d : t.shape()) {
                dims.add(d);
            }
            shapes.put(t.name(), dims);
        }
        return shapes;
    }

    private static Map<String, List<Long>> shapes(List<DemoCheckpoint.TensorSpec> specs) {
        Map<String, List<Long>> shapes = new TreeMap<>();
        for (DemoCheckpoint.TensorSpec s : specs) {
            List<Long> dims = new ArrayList<>();
            for (long d : s.shape()) {
                dims.add(d);
            }
            shapes.put(s.name(), dims);
        }
        return shapes;
    }

    /** For every golden checkpoint, the tensors derived from its config are exactly the ones it holds. */
    @Test
    void tensorNamesAndShapesMatchEveryGoldenCheckpoint() throws Exception {
        List<Path> checkpoints;
        try (Stream<Path> s = Files.list(GOLDEN.resolve("checkpoints"))) {
            checkpoints = s.filter(p -> Files.isRegularFile(p.resolve("model.safetensors"))).sorted().toList();
        }
        assertFalse(checkpoints.isEmpty(), "no checkpoints under " + GOLDEN);
        for (Path dir : checkpoints) {
            ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
            try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                assertEquals(shapes(st), shapes(DemoCheckpoint.tensorSpecs(config)), dir.toString());
            }
        }
    }

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
        List<DemoCheckpoint.TensorSpec> specs = DemoCheckpoint.tensorSpecs(config);
        assertTrue(details.size() > specs.size(), "one update per tensor plus the write");
        try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(shapes(specs), shapes(st));
            assertEquals(DemoCheckpoint.MARKER_VALUE, st.metadata().get(DemoCheckpoint.MARKER_KEY));
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
        for (String f : DemoCheckpoint.REAL_FILES) {
            try (InputStream real = DemoCheckpointTest.class.getResourceAsStream(DemoCheckpoint.FILES_RESOURCE_DIR + f)) {
                assertArrayEquals(real.readAllBytes(), Files.readAllBytes(dir.resolve(f)), f);
            }
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList(), "no temporary folder left behind");
        }
    }

    /** The shipped tokenizer files are the real ones (same as the golden tiny checkpoints use). */
    @Test
    void shippedTokenizerFilesAreTheRealOnes() throws Exception {
        Path tiny = GOLDEN.resolve("checkpoints/tiny-f32");
        for (String f : DemoCheckpoint.REAL_FILES) {
            try (InputStream shipped = getClass().getResourceAsStream(DemoCheckpoint.FILES_RESOURCE_DIR + f)) {
                assertArrayEquals(Files.readAllBytes(tiny.resolve(f)), shipped.readAllBytes(), f);
            }
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
