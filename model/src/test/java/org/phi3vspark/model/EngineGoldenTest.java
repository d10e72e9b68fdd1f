package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.phi3vspark.model.engine.Completion;
import org.phi3vspark.model.engine.EngineOptions;
import org.phi3vspark.model.engine.GenerationEngine;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.text.Prompt;

/**
 * The golden cases through the engine's other paths: shared prefixes on and off, prompts prefilled in small
 * chunks while others decode, few slots (so sequences join a running batch): the same greedy ids and text as the
 * reference; and first-token logits through a prefix another request computed within the logits tolerance.
 */
class EngineGoldenTest {
    private static final double LOGIT_TOLERANCE = 1e-4;

    private static Map<String, List<GoldenCase>> greedyCasesByCheckpoint() {
        Map<String, List<GoldenCase>> byCheckpoint = GoldenSet.caseDirs().stream()
                .map(GoldenCase::load)
                .filter(GoldenCase::greedy)
                .collect(Collectors.groupingBy(c -> c.json().get("checkpoint").getAsString()));
        assertFalse(byCheckpoint.isEmpty(), "the golden set has greedy cases");
        return byCheckpoint;
    }

    @TestFactory
    Stream<DynamicTest> greedyCasesGiveTheReferenceIdsOnEveryEnginePath() {
        EngineOptions base = EngineOptions.cpuDefaults();
        Map<String, EngineOptions> paths = Map.of(
                "shared prefixes, chunks of 7 tokens, 2 slots", base.withPrefillChunk(7).withMaxRunning(2),
                "no shared prefixes, chunks of 7 tokens, 2 slots",
                base.withPrefillChunk(7).withMaxRunning(2).withSharePrefixes(false),
                "shared prefixes, 1 slot", base.withMaxRunning(1));
        return paths.entrySet().stream().map(path -> DynamicTest.dynamicTest(path.getKey(), () -> {
            for (List<GoldenCase> cases : greedyCasesByCheckpoint().values()) {
                Phi3VModel model = cases.get(0).model();
                List<GenerationResult> results = model.generate(cases.stream().map(GoldenCase::request).toList(),
                        path.getValue());
                for (int i = 0; i < cases.size(); i++) {
                    GoldenCase c = cases.get(i);
                    assertArrayEquals(GoldenSet.longs(c.generation().getAsJsonArray("new_ids")),
                            results.get(i).generatedIds(), c.id() + " (" + path.getKey() + ")");
                    assertEquals(c.generation().get("text").getAsString(), results.get(i).text(), c.id() + " text");
                }
            }
        }));
    }

    /**
     * Each case with images runs after a sibling request with the same images and the same tokens up to the last
     * image but another question: the case reuses the sibling's prefix, and its first logits (taken from its
     * logits hook) and greedy ids still match the reference.
     */
    @TestFactory
    Stream<DynamicTest> aPrefixComputedForAnotherRequestGivesTheReferenceLogitsAndIds() {
        return greedyCasesByCheckpoint().values().stream().flatMap(List::stream)
                .filter(c -> !c.images().isEmpty())
                .map(c -> DynamicTest.dynamicTest(c.id(), () -> checkThroughSharedPrefix(c)));
    }

    private static void checkThroughSharedPrefix(GoldenCase c) throws Exception {
        Phi3VModel model = c.model();
        GenerationRequest golden = c.request();
        List<float[]> firstLogits = new ArrayList<>();
        GenerationRequest observed = new GenerationRequest(golden.prompt(), golden.images(), golden.config(),
                (generated, logits) -> {
                    if (generated.length == 0) {
                        firstLogits.add(logits.clone());
                    }
                });
        GenerationRequest sibling = new GenerationRequest(sibling(model, c.prompt()), golden.images(),
                golden.config());
        GenerationResult result = null;
        try (GenerationEngine<String> engine = model.newEngine(model.engineDefaults())) {
            engine.submit(sibling, "sibling");
            engine.submit(observed, "case");
            while (!engine.idle()) {
                for (Completion<String> done : engine.step()) {
                    assertTrue(done.ok(), () -> String.valueOf(done.failure()));
                    if (done.tag().equals("case")) {
                        result = done.result();
                    }
                }
            }
            assertEquals(c.images().size(), engine.stats().imagesEncoded() + engine.stats().imagesReused(),
                    "the images embedded once, for the one prefix");
        }
        assertNotNull(result);
        int prefix = lastImageEnd(c.prompt().inputIds());
        assertEquals(prefix, result.reusedPromptTokens(), "the case copied the sibling's prefix");
        try (SafetensorsFile tensors = SafetensorsFile.open(c.dir().resolve(c.json().get("tensors").getAsString()))) {
            GoldenModelTest.assertClose(GoldenModelTest.floats(tensors, "logits_last"), firstLogits.get(0),
                    LOGIT_TOLERANCE, c.id() + " first logits through a shared prefix");
        }
        assertArrayEquals(GoldenSet.longs(c.generation().getAsJsonArray("new_ids")), result.generatedIds(), c.id());
    }

    /** The case's prompt up to its last image block, followed by another question. */
    private static Prompt sibling(Phi3VModel model, Prompt prompt) {
        long[] ids = prompt.inputIds();
        int prefix = lastImageEnd(ids);
        long[] question = model.tokenizer().encode("\nWhat colours are there?<|end|>\n<|assistant|>\n");
        long[] siblingIds = new long[prefix + question.length];
        System.arraycopy(ids, 0, siblingIds, 0, prefix);
        System.arraycopy(question, 0, siblingIds, prefix, question.length);
        return new Prompt(prompt.text(), siblingIds, prompt.chunkIds(), prompt.numImgTokens());
    }

    private static int lastImageEnd(long[] ids) {
        int end = ids.length;
        while (ids[end - 1] >= 0) {
            end--;
        }
        return end;
    }

    @Test
    void theSameImageForThreeTasksGoesThroughTheVisionTowerOnceWithoutSharedPrefixesToo() {
        GoldenCase c = greedyCasesByCheckpoint().values().stream().flatMap(List::stream)
                .filter(k -> k.images().size() == 1).findFirst().orElseThrow();
        Phi3VModel model = c.model();
        List<GenerationRequest> tasks = List.of(c.request(),
                new GenerationRequest(sibling(model, c.prompt()), c.images(), c.generationConfig()),
                c.request());
        try (GenerationEngine<Integer> engine = model.newEngine(model.engineDefaults().withSharePrefixes(false))) {
            for (int i = 0; i < tasks.size(); i++) {
                engine.submit(tasks.get(i), i);
            }
            while (!engine.idle()) {
                engine.step().forEach(done -> assertTrue(done.ok(), () -> String.valueOf(done.failure())));
            }
            assertEquals(1, engine.stats().imagesEncoded());
            assertEquals(2, engine.stats().imagesReused());
            assertEquals(0, engine.stats().reusedPromptTokens());
        }
    }
}
