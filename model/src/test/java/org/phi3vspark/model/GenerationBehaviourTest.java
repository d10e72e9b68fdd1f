package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.generate.FinishReason;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Prompt;

/** Stop ids, stop strings, the length budget and the logits hook, on the tiny model. */
class GenerationBehaviourTest {
    private final Phi3VModel model = GoldenSet.fixtureModel("tiny-f32");
    private final Prompt prompt = model.promptBuilder().build(
            List.of(new ChatMessage("user", "Tell me a story about a lighthouse.")), new int[0]);

    private GenerationResult run(GenerationConfig config) {
        return model.generate(new GenerationRequest(prompt, List.of(), config));
    }

    @Test
    void lengthBudgetEndsWithLength() {
        GenerationResult r = run(new GenerationConfig(7, 0, 0, 1, 0, new int[0], null));
        assertEquals(7, r.outputTokens());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(model.tokenizer().decode(r.generatedIds()), r.text());
    }

    @Test
    void stopIdEndsWithStopAndIsTheLastId() {
        long[] free = run(new GenerationConfig(12, 0, 0, 1, 0, new int[0], null)).generatedIds();
        int stopAt = (int) free[4];
        int firstIndex = 0;
        while (free[firstIndex] != stopAt) {
            firstIndex++;
        }
        GenerationResult r = run(new GenerationConfig(12, 0, 0, 1, 0, new int[] {stopAt}, null));
        assertEquals(FinishReason.STOP, r.finishReason());
        assertArrayEquals(Arrays.copyOf(free, firstIndex + 1), r.generatedIds());
    }

    @Test
    void stopStringCutsTheText() {
        GenerationResult free = run(new GenerationConfig(16, 0, 0, 1, 0, new int[0], null));
        String text = free.text();
        assertTrue(text.length() > 8, "tiny model produced text: " + text);
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        GenerationResult r = run(new GenerationConfig(16, 0, 0, 1, 0, new int[0], List.of(stop)));
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(text.substring(0, text.indexOf(stop)), r.text());
        assertTrue(r.outputTokens() <= free.outputTokens());
    }

    @Test
    void logitsProcessorSeesEveryStepAndCanForceTokens() {
        long forced = 450; // an ordinary word piece
        int[] calls = {0};
        GenerationRequest request = new GenerationRequest(prompt, List.of(),
                new GenerationConfig(5, 0, 0, 1, 0, new int[0], null), (generated, logits) -> {
                    assertEquals(calls[0]++, generated.length);
                    Arrays.fill(logits, Float.NEGATIVE_INFINITY);
                    logits[(int) forced] = 0;
                });
        GenerationResult r = model.generate(request);
        assertEquals(5, calls[0]);
        assertArrayEquals(new long[] {forced, forced, forced, forced, forced}, r.generatedIds());
    }

    @Test
    void invalidSettingsAreRejectedWithTheirName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(0))
                .getMessage().contains("max_new_tokens"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationConfig.sampling(4, -1, 0, 1, 0))
                .getMessage().contains("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationConfig.sampling(4, 1, 0, 0, 0))
                .getMessage().contains("top_p"));
        assertTrue(assertThrows(NullPointerException.class,
                () -> new GenerationRequest(prompt, List.of(), null)).getMessage().contains("config"));
    }
}
