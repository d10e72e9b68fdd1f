package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.NonFiniteLogitsException;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.io.SafetensorsWriter;
import org.phi3vspark.model.io.TensorInfo;
import org.phi3vspark.model.nn.WeightNames;
import org.phi3vspark.model.text.ChatMessage;

/** A broken model's NaN or infinite logits stop generation with an error that says so, never a token. */
class NonFiniteLogitsTest {
    private static final int BROKEN_ID = 1234;

    @TempDir
    Path tmp;

    /** The tiny checkpoint with one lm_head row replaced by {@code value}: that id's logit is non-finite. */
    private Path withBrokenLmHeadRow(float value) throws IOException {
        Path tiny = GoldenSet.fixtureCheckpoint("tiny-f32");
        Path dir = Files.createDirectories(tmp.resolve("broken"));
        try (Stream<Path> files = Files.list(tiny)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        SafetensorsWriter out = SafetensorsWriter.create();
        try (SafetensorsFile in = SafetensorsFile.open(tiny.resolve("model.safetensors"))) {
            for (TensorInfo t : in.tensors().values()) {
                FloatBuffer data = in.readFloat32(t.name());
                float[] values = new float[data.remaining()];
                data.get(values);
                if (t.name().equals(WeightNames.LM_HEAD)) {
                    int hidden = (int) t.shape()[1];
                    java.util.Arrays.fill(values, BROKEN_ID * hidden, (BROKEN_ID + 1) * hidden, value);
                }
                out.putFloat32(t.name(), t.shape(), values);
            }
        }
        out.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private static GenerationRequest request(Phi3VModel model, String text) {
        return new GenerationRequest(model.promptBuilder().build(List.of(new ChatMessage("user", text)), new int[0]),
                List.of(), GenerationConfig.greedy(8));
    }

    @Test
    void nanLogitsFailTheFirstRequestAtThePrefillNamingTheToken() throws IOException {
        try (Phi3VModel model = Phi3VModel.load(withBrokenLmHeadRow(Float.NaN), Device.cpu())) {
            NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class,
                    () -> model.generate(List.of(request(model, "Hello"), request(model, "Hi there"))));
            assertEquals(0, e.requestIndex());
            assertEquals(0, e.step(), "the prefill's logits are already broken");
            assertTrue(e.getMessage().contains("NaN at token id " + BROKEN_ID), e.getMessage());
            assertTrue(e.getMessage().contains("non-finite logits"), e.getMessage());
            assertTrue(e instanceof ModelFailureException, "a model failure, not the input's");
        }
    }

    @Test
    void overflowIsCaughtToo() throws IOException {
        // Σ h·w with every w = 1e38 overflows float32: to ±infinity, or NaN where SIMD lanes overflow both ways
        try (Phi3VModel model = Phi3VModel.load(withBrokenLmHeadRow(1e38f), Device.cpu())) {
            NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class,
                    () -> model.generate(request(model, "Hello")));
            assertTrue(e.getMessage().matches(".*(NaN|infinite) at token id " + BROKEN_ID + "\\b.*"), e.getMessage());
        }
    }

    @Test
    void theSameRequestOnAHealthyModelSucceeds() {
        Phi3VModel model = GoldenSet.fixtureModel("tiny-f32");
        assertTrue(model.generate(request(model, "Hello")).outputTokens() >= 1, "control: the healthy model answers");
    }
}
