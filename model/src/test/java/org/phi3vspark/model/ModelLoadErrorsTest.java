package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.io.SafetensorsWriter;
import org.phi3vspark.model.io.TensorInfo;

/** Loading a broken model directory fails with an error that names what is wrong, never a crash. */
class ModelLoadErrorsTest {

    /** A copy of tiny-f32 whose weights keep the tensors {@code keep} accepts, plus {@code extra} if given. */
    private static Path copyOfTinyModel(Path dir, Predicate<String> keep, String extra) throws IOException {
        Path source = GoldenSet.fixtureCheckpoint("tiny-f32");
        Files.createDirectories(dir);
        try (var files = Files.list(source)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("model.safetensors")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        SafetensorsWriter writer = SafetensorsWriter.create();
        try (SafetensorsFile weights = SafetensorsFile.open(source.resolve("model.safetensors"))) {
            for (TensorInfo info : weights.tensors().values()) {
                if (keep.test(info.name())) {
                    FloatBuffer data = weights.readFloat32(info.name());
                    float[] values = new float[data.remaining()];
                    data.get(values);
                    writer.putFloat32(info.name(), info.shape(), values);
                }
            }
        }
        if (extra != null) {
            writer.putFloat32(extra, new long[] {2}, new float[] {1, 2});
        }
        writer.write(dir.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void missingTensorIsNamed(@TempDir Path tmp) throws IOException {
        String missing = "model.layers.1.mlp.down_proj.weight";
        Path dir = copyOfTinyModel(tmp.resolve("m"), name -> !name.equals(missing), null);
        Exception e = assertThrows(RuntimeException.class, () -> Phi3VModel.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains(missing), e.getMessage());
    }

    @Test
    void unexpectedTensorIsReportedAsUnused(@TempDir Path tmp) throws IOException {
        Path dir = copyOfTinyModel(tmp.resolve("m"), name -> true, "model.layers.7.surprise.weight");
        Exception e = assertThrows(RuntimeException.class, () -> Phi3VModel.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("model.layers.7.surprise.weight"), e.getMessage());
    }

    @Test
    void truncatedWeightsFileIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyOfTinyModel(tmp.resolve("m"), name -> true, null);
        Path weights = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Exception e = assertThrows(RuntimeException.class, () -> Phi3VModel.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void missingDirectoryAndConfigAreNamed(@TempDir Path tmp) throws IOException {
        Exception e = assertThrows(RuntimeException.class, () -> Phi3VModel.load(tmp.resolve("nope"), Device.cpu()));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(RuntimeException.class, () -> Phi3VModel.load(empty, Device.cpu()));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
}
