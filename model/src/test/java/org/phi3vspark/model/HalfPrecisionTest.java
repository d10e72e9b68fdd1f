package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.FloatBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.io.SafetensorsFile;

/**
 * The float16 path (what a GPU runs) exercised on CPU: logits within the golden README's fp16 tolerance of the
 * float32 reference, and greedy ids equal up to the first step whose reference margin is below 0.2.
 */
class HalfPrecisionTest {
    private static final double FP16_LOGIT_TOLERANCE = 0.1;
    private static final double FP16_MARGIN = 0.2;

    @TestFactory
    Stream<DynamicTest> float16MatchesTheReferenceWithinItsTolerance() {
        return GoldenSet.caseDirs().stream()
                .map(GoldenCase::load)
                .filter(GoldenCase::greedy)
                .map(c -> DynamicTest.dynamicTest(c.id(), () -> check(c)));
    }

    private static void check(GoldenCase c) throws Exception {
        String checkpoint = c.json().get("checkpoint").getAsString();
        try (Phi3VModel half = Phi3VModel.load(GoldenSet.checkpoint(checkpoint), Device.cpu(), DataType.FLOAT16)) {
            var request = new GoldenCase(c.id(), c.dir(), c.json(), half, c.prompt(), c.images()).request();
            float[] logits = half.promptLogits(request, new int[] {c.prompt().length() - 1})[0];
            try (SafetensorsFile tensors = SafetensorsFile.open(c.dir().resolve("tensors.safetensors"))) {
                FloatBuffer reference = tensors.readFloat32("logits_last");
                double worst = 0;
                for (float v : logits) {
                    worst = Math.max(worst, Math.abs(v - reference.get()));
                }
                final double w = worst;
                assertTrue(worst <= FP16_LOGIT_TOLERANCE, () -> "fp16 logits differ by " + w);
            }
            GenerationResult result = half.generate(request);
            JsonObject g = c.generation();
            JsonArray steps = g.getAsJsonArray("steps");
            long[] expected = GoldenSet.longs(g.getAsJsonArray("new_ids"));
            for (int t = 0; t < expected.length && t < result.generatedIds().length; t++) {
                if (steps.get(t).getAsJsonObject().get("margin_top1_top2").getAsDouble() < FP16_MARGIN) {
                    break; // the reference itself is too close to call in half precision from here on
                }
                assertEquals(expected[t], result.generatedIds()[t], "fp16 greedy id at step " + t);
            }
        }
    }
}
