package org.phi3vspark.model.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    private static final String SHARD1 = "model-00001-of-00002.safetensors";
    private static final String SHARD2 = "model-00002-of-00002.safetensors";

    private static float[] values(FloatBuffer b) {
        float[] out = new float[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static void writeConfig(Path dir, String text) throws IOException {
        Files.writeString(dir.resolve("config.json"), text);
    }

    private static Path singleFileCheckpoint(Path dir) throws IOException {
        SafetensorsWriter.create()
                .putFloat32("z.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .putFloat32("a.weight", new long[] {3}, new float[] {7, 8, 9})
                .putBf16("m.weight", new long[] {2}, new float[] {0.5f, -4f})
                .write(dir.resolve(Checkpoint.SINGLE_FILE));
        writeConfig(dir, "{\"hidden_size\": 3}");
        return dir;
    }

    private static void writeIndex(Path dir, String weightMap) throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 40}, \"weight_map\": {" + weightMap + "}}");
    }

    private static Path shardedCheckpoint(Path dir) throws IOException {
        SafetensorsWriter.create().metadata("format", "pt")
                .putFloat32("layers.0.w", new long[] {2, 2}, new float[] {1, 2, 3, 4})
                .putBf16("layers.0.b", new long[] {2}, new float[] {1.00390625f, 2f})
                .write(dir.resolve(SHARD1));
        SafetensorsWriter.create().metadata("format", "pt")
                .putFloat32("layers.1.w", new long[] {1, 3}, new float[] {5, 6, 7})
                .write(dir.resolve(SHARD2));
        writeIndex(dir, "\"layers.0.w\": \"" + SHARD1 + "\", \"layers.0.b\": \"" + SHARD1 + "\", "
                + "\"layers.1.w\": \"" + SHARD2 + "\"");
        writeConfig(dir, "{\"hidden_size\": 2}");
        return dir;
    }

    @Test
    void readsWithShapeCheckAndTracksUse(@TempDir Path dir) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(singleFileCheckpoint(dir))) {
            assertEquals(Set.of("a.weight", "m.weight", "z.weight"), ckpt.names());
            assertTrue(ckpt.has("a.weight"));
            assertFalse(ckpt.has("b.weight"));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, values(ckpt.readFloat32("z.weight", 2, 3)));
            assertArrayEquals(new float[] {0.5f, -4f}, values(ckpt.readFloat32("m.weight")));

            CheckpointException unused = assertThrows(CheckpointException.class, () -> ckpt.checkAllUsed(n -> false));
            assertTrue(unused.getMessage().contains("a.weight"), unused.getMessage());
            assertFalse(unused.getMessage().contains("z.weight"), unused.getMessage());
            assertDoesNotThrow(() -> ckpt.checkAllUsed(n -> n.startsWith("a.")));
            ckpt.readFloat32("a.weight", 3);
            assertDoesNotThrow(() -> ckpt.checkAllUsed(null));
        }
    }

    @Test
    void unusedTensorsAreAllListedSorted(@TempDir Path dir) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(singleFileCheckpoint(dir))) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> ckpt.checkAllUsed(n -> false));
            String m = e.getMessage();
            assertTrue(m.contains("a.weight, m.weight, z.weight"), m);
            assertTrue(m.contains(dir.toString()), m);
        }
    }

    @Test
    void wrongShapeNamesTensorFileAndBothShapes(@TempDir Path dir) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(singleFileCheckpoint(dir))) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> ckpt.readFloat32("z.weight", 3, 2));
            String m = e.getMessage();
            assertTrue(m.contains("tensor z.weight in file ") && m.contains(Checkpoint.SINGLE_FILE), m);
            assertTrue(m.contains("has shape [2, 3], expected [3, 2]"), m);
            // A failed read does not count as use.
            assertThrows(CheckpointException.class, () -> ckpt.checkAllUsed(n -> !n.equals("z.weight")));
        }
    }

    @Test
    void missingTensorNamesTensorAndDirectory(@TempDir Path dir) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(singleFileCheckpoint(dir))) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> ckpt.readFloat32("lm_head.weight", 3));
            assertEquals("checkpoint " + dir + " has no tensor lm_head.weight", e.getMessage());
            assertThrows(CheckpointException.class, () -> ckpt.info("lm_head.weight"));
            assertThrows(CheckpointException.class, () -> ckpt.markUsed("lm_head.weight"));
        }
    }

    @Test
    void directoryWithoutWeights(@TempDir Path dir) throws IOException {
        writeConfig(dir, "{}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains(Checkpoint.SINGLE_FILE),
                e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
    }

    @Test
    void shardedIndexRoundTrip(@TempDir Path dir) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(shardedCheckpoint(dir))) {
            assertEquals(Set.of("layers.0.w", "layers.0.b", "layers.1.w"), ckpt.names());
            assertEquals(dir.resolve(SHARD1), ckpt.info("layers.0.b").file());
            assertEquals(dir.resolve(SHARD2), ckpt.info("layers.1.w").file());
            assertArrayEquals(new float[] {1, 2, 3, 4}, values(ckpt.readFloat32("layers.0.w", 2, 2)));
            assertArrayEquals(new float[] {1.0f, 2f}, values(ckpt.readFloat32("layers.0.b", 2)));
            CheckpointException e = assertThrows(CheckpointException.class, () -> ckpt.readFloat32("layers.1.w", 3));
            assertTrue(e.getMessage().contains(SHARD2) && e.getMessage().contains("layers.1.w"), e.getMessage());
            e = assertThrows(CheckpointException.class, () -> ckpt.checkAllUsed(n -> false));
            assertTrue(e.getMessage().endsWith(": layers.1.w"), e.getMessage());
            assertArrayEquals(new float[] {5, 6, 7}, values(ckpt.readFloat32("layers.1.w", 1, 3)));
            ckpt.checkAllUsed(n -> false);
            assertTrue(ckpt.revision().matches("[0-9a-f]{64}"), ckpt.revision());
        }
    }

    @Test
    void singleFileWinsOverIndex(@TempDir Path dir) throws IOException {
        singleFileCheckpoint(dir);
        writeIndex(dir, "\"x\": \"" + SHARD1 + "\"");
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertTrue(ckpt.has("z.weight"));
        }
    }

    @Test
    void missingShardIsNamed(@TempDir Path dir) throws IOException {
        shardedCheckpoint(dir);
        Files.delete(dir.resolve(SHARD2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(SHARD2) && e.getMessage().contains("layers.1.w"), e.getMessage());
    }

    @Test
    void indexPointingToTheWrongShardIsNamed(@TempDir Path dir) throws IOException {
        shardedCheckpoint(dir);
        writeIndex(dir, "\"layers.0.w\": \"" + SHARD1 + "\", \"layers.1.w\": \"" + SHARD1 + "\"");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(SHARD1) && e.getMessage().contains("layers.1.w"), e.getMessage());
    }

    @Test
    void brokenIndexFiles(@TempDir Path dir) throws IOException {
        shardedCheckpoint(dir);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": [1]}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(Checkpoint.INDEX_FILE) && e.getMessage().contains("weight_map"),
                e.getMessage());
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {");
        e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(Checkpoint.INDEX_FILE), e.getMessage());
        writeIndex(dir, "\"layers.0.w\": \"../" + SHARD1 + "\"");
        e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("../" + SHARD1), e.getMessage());
    }

    @Test
    void revisionDependsOnConfigAndLayoutOnly(@TempDir Path root) throws IOException {
        Path a = Files.createDirectories(root.resolve("a"));
        Path b = Files.createDirectories(root.resolve("b"));
        singleFileCheckpoint(a);
        singleFileCheckpoint(b);
        String ra;
        try (Checkpoint ca = Checkpoint.open(a); Checkpoint cb = Checkpoint.open(b)) {
            ra = ca.revision();
            assertTrue(ra.matches("[0-9a-f]{64}"), ra);
            assertEquals(ra, cb.revision());
        }
        writeConfig(b, "{\"hidden_size\": 4}");
        try (Checkpoint cb = Checkpoint.open(b)) {
            assertNotEquals(ra, cb.revision());
        }
        singleFileCheckpoint(b);
        SafetensorsWriter.create()
                .putFloat32("z.weight", new long[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6})
                .putFloat32("a.weight", new long[] {3}, new float[] {7, 8, 9})
                .putBf16("m.weight", new long[] {2}, new float[] {0.5f, -4f})
                .write(b.resolve(Checkpoint.SINGLE_FILE));
        try (Checkpoint cb = Checkpoint.open(b)) {
            assertNotEquals(ra, cb.revision());
        }
        Files.delete(b.resolve("config.json"));
        try (Checkpoint cb = Checkpoint.open(b)) {
            CheckpointException e = assertThrows(CheckpointException.class, cb::revision);
            assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        }
        assertEquals(64, ra.getBytes(StandardCharsets.US_ASCII).length);
    }
}
