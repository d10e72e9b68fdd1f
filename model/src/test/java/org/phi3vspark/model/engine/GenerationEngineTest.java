package org.phi3vspark.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.GoldenSet;
import org.phi3vspark.model.Phi3VModel;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.generate.LogitsProcessor;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.nn.KvCache;
import org.phi3vspark.model.text.ChatMessage;

/**
 * The engine's scheduling on the tiny model: sequences leave as they finish and waiting ones take their slots,
 * a long prompt is prefilled in chunks while others decode, memory stays within the KV budget, a failure is its
 * request's alone, and a long-lived engine keeps no arrays per request. Results always equal each request alone.
 */
class GenerationEngineTest {
    private final Phi3VModel model = GoldenSet.fixtureModel("tiny-f32");

    private GenerationRequest text(String question, int maxNewTokens, LogitsProcessor hook) {
        return new GenerationRequest(model.promptBuilder().build(List.of(new ChatMessage("user", question)),
                new int[0]), List.of(), new GenerationConfig(maxNewTokens, 0, 0, 1, 0, new int[0], null), hook);
    }

    private GenerationRequest text(String question, int maxNewTokens) {
        return text(question, maxNewTokens, null);
    }

    private GenerationRequest withImage(ProcessedImage image, String question, int maxNewTokens) {
        return new GenerationRequest(model.promptBuilder().build(List.of(new ChatMessage("user",
                "<|image_1|>\n" + question)), new int[] {image.numImgTokens()}), List.of(image),
                new GenerationConfig(maxNewTokens, 0, 0, 1, 0, new int[0], null));
    }

    private ProcessedImage image(String name, int numCrops) throws IOException {
        Path path = GoldenSet.fixtureImage(name);
        return model.imageProcessor().process(new ImageDecoder(100_000_000L).decode(Files.readAllBytes(path),
                path.toString()), numCrops);
    }

    private long[] alone(GenerationRequest request) {
        return model.generate(request).generatedIds();
    }

    /** Steps until idle; completions in the order they came, each checked ok. */
    private static <T> List<Completion<T>> drain(GenerationEngine<T> engine) {
        List<Completion<T>> out = new ArrayList<>();
        while (!engine.idle()) {
            out.addAll(engine.step());
        }
        return out;
    }

    private static <T> Map<T, GenerationResult> ok(List<Completion<T>> completions) {
        Map<T, GenerationResult> results = new HashMap<>();
        for (Completion<T> c : completions) {
            assertTrue(c.ok(), () -> c.tag() + " failed: " + c.failure());
            results.put(c.tag(), c.result());
        }
        return results;
    }

    @Test
    void finishedSequencesLeaveAndWaitingOnesTakeTheirSlots() {
        List<GenerationRequest> requests = List.of(text("Tell me a long story.", 24), text("Say hi.", 2),
                text("Say bye.", 2));
        try (GenerationEngine<Integer> engine = model.newEngine(model.engineDefaults().withMaxRunning(2))) {
            for (int i = 0; i < requests.size(); i++) {
                engine.submit(requests.get(i), i);
            }
            List<Completion<Integer>> done = drain(engine);
            assertEquals(List.of(1, 2, 0), done.stream().map(Completion::tag).toList(),
                    "the short ones finish first; the third took the second's slot before the first ended");
            Map<Integer, GenerationResult> results = ok(done);
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(alone(requests.get(i)), results.get(i).generatedIds(), "request " + i);
            }
        }
    }

    /** A lone request's batch is one row; rows for requests nobody submitted would double its KV cache. */
    @Test
    void aLoneRequestGetsARowOfItsOwnAndNoMore() {
        GenerationRequest request = text("Tell me a story.", 6);
        long oneRow = KvCache.bytes(model.decoder().kvLayout(), 1, request.prompt().length() + 6);
        try (GenerationEngine<Integer> engine = model.newEngine(model.engineDefaults())) {
            engine.submit(request, 0);
            ok(drain(engine));
            assertEquals(oneRow, engine.stats().peakKvBytes());
        }
        try (GenerationEngine<Integer> engine = model.newEngine(model.engineDefaults())) {
            engine.submit(request, 0);
            engine.submit(request, 1);
            ok(drain(engine));
            assertEquals(2 * oneRow, engine.stats().peakKvBytes(), "two requests at once: two rows");
        }
    }

    @Test
    void aLongPromptIsPrefilledInChunksWhileOthersKeepDecoding() {
        int[] runningTokens = {0};
        int[] runningTokensAtLongFirstToken = {-1};
        GenerationRequest running = text("Count to one hundred.", 64, (generated, logits) -> runningTokens[0]++);
        GenerationRequest longPrompt = text("Summarise: " + "the quick brown fox jumps over the lazy dog. ".repeat(30),
                4, (generated, logits) -> {
                    if (generated.length == 0) {
                        runningTokensAtLongFirstToken[0] = runningTokens[0];
                    }
                });
        int chunk = 16;
        try (GenerationEngine<String> engine = model.newEngine(model.engineDefaults().withPrefillChunk(chunk))) {
            engine.submit(running, "running");
            List<Completion<String>> done = new ArrayList<>(engine.step());
            engine.submit(longPrompt, "long");
            done.addAll(drain(engine));
            int chunks = (longPrompt.prompt().length() + chunk - 1) / chunk;
            assertTrue(runningTokensAtLongFirstToken[0] >= chunks, "the running sequence made "
                    + runningTokensAtLongFirstToken[0] + " tokens while the " + longPrompt.prompt().length()
                    + "-token prompt was prefilled in " + chunks + " chunks");
            Map<String, GenerationResult> results = ok(done);
            assertArrayEquals(alone(running), results.get("running").generatedIds());
            assertArrayEquals(alone(longPrompt), results.get("long").generatedIds());
        }
    }

    @Test
    void tasksOfOneImageShareItsPrefixAndMemoryStaysWithinTheBudget() throws IOException {
        ProcessedImage chelsea = image("chelsea.png", 4);
        ProcessedImage astronaut = image("astronaut.png", 4);
        List<GenerationRequest> requests = new ArrayList<>();
        for (ProcessedImage img : List.of(chelsea, astronaut)) {
            requests.add(withImage(img, "Describe this image.", 12));
            requests.add(withImage(img, "Transcribe the text.", 3));
            requests.add(withImage(img, "What colours are there?", 8));
        }
        long perToken = model.decoder().kvLayout().bytesPerToken();
        GenerationRequest first = requests.get(0);
        int length = first.prompt().length();
        int prefix = new Sequence<>(0, 0, first, false).prefixLength;
        // what the first request holds alone: its row of the batch (while the batch grows) and its prefix
        long oneRequest = (long) ((length + 12) * perToken * 1.5) + (long) prefix * perToken;
        long budget = Math.max(1 << 20, (long) (2.2 * oneRequest));
        Map<Integer, GenerationResult> roomy = run(requests, model.engineDefaults());
        try (GenerationEngine<Integer> engine = model.newEngine(model.engineDefaults().withKvBudgetBytes(budget))) {
            for (int i = 0; i < requests.size(); i++) {
                engine.submit(requests.get(i), i);
            }
            Map<Integer, GenerationResult> tight = ok(drain(engine));
            EngineStats stats = engine.stats();
            assertTrue(stats.peakKvBytes() <= budget, "peak KV " + stats.peakKvBytes() + " > budget " + budget);
            assertTrue(stats.peakKvBytes() > oneRequest, "more than one request ran at once: " + stats);
            assertEquals(2, stats.imagesEncoded(), "each image through the vision tower once");
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(roomy.get(i).generatedIds(), tight.get(i).generatedIds(), "request " + i);
            }
            int reused = tight.values().stream().mapToInt(GenerationResult::reusedPromptTokens).sum();
            assertEquals(stats.reusedPromptTokens(), reused);
            assertEquals(4, tight.values().stream().filter(r -> r.reusedPromptTokens() > 0).count(),
                    "two of each image's three tasks reused its prefix");
        }
    }

    private Map<Integer, GenerationResult> run(List<GenerationRequest> requests, EngineOptions options) {
        try (GenerationEngine<Integer> engine = model.newEngine(options)) {
            for (int i = 0; i < requests.size(); i++) {
                engine.submit(requests.get(i), i);
            }
            return ok(drain(engine));
        }
    }

    @Test
    void aRequestLargerThanTheBudgetFailsAloneAndTheOthersRun() {
        GenerationRequest small = text("Say hi.", 4);
        GenerationRequest huge = text("Write a book.", 2000);
        try (GenerationEngine<String> engine = model.newEngine(model.engineDefaults().withKvBudgetBytes(1 << 20))) {
            engine.submit(small, "small");
            engine.submit(huge, "huge");
            List<Completion<String>> done = drain(engine);
            Completion<String> failed = done.stream().filter(c -> c.tag().equals("huge")).findFirst().orElseThrow();
            assertInstanceOf(IllegalArgumentException.class, failed.failure());
            assertTrue(failed.failure().getMessage().contains("KV budget of 1 MiB"), failed.failure().getMessage());
            assertTrue(failed.alone());
            assertArrayEquals(alone(small), done.stream().filter(c -> c.tag().equals("small")).findFirst()
                    .orElseThrow().result().generatedIds());
        }
    }

    @Test
    void aFailingRequestFailsAloneAndTheOthersFinish() {
        IllegalStateException boom = new IllegalStateException("hook failed");
        GenerationRequest failing = text("Tell me a story.", 10, (generated, logits) -> {
            if (generated.length == 3) {
                throw boom;
            }
        });
        GenerationRequest other = text("Tell me a joke.", 10);
        try (GenerationEngine<String> engine = model.newEngine(model.engineDefaults())) {
            engine.submit(failing, "failing");
            engine.submit(other, "other");
            List<Completion<String>> done = drain(engine);
            Completion<String> failed = done.stream().filter(c -> c.tag().equals("failing")).findFirst().orElseThrow();
            assertSame(boom, failed.failure());
            assertFalse(failed.alone(), "another sequence shared its decode step");
            assertArrayEquals(alone(other), done.stream().filter(c -> c.tag().equals("other")).findFirst()
                    .orElseThrow().result().generatedIds());
        }
    }

    @Test
    void aLongLivedEngineKeepsNoArraysPerRequestAndPushesBack() throws IOException {
        ProcessedImage tiny = image("tiny_40x25.png", 1);
        List<GenerationRequest> round = List.of(withImage(tiny, "What is this?", 4), withImage(tiny, "Name it.", 6),
                text("Count to ten.", 5));
        try (GenerationEngine<Integer> engine = model.newEngine(model.engineDefaults().withMaxRunning(2))) {
            int[] live = new int[3];
            for (int r = 0; r < live.length; r++) {
                for (int i = 0; i < round.size(); i++) {
                    engine.submit(round.get(i), i);
                }
                assertFalse(engine.wantsMore(), "3 waiting with 2 slots: the queue is full");
                assertEquals(round.size(), drain(engine).size());
                assertTrue(engine.wantsMore());
                live[r] = engine.liveArrays();
            }
            assertEquals(live[0], live[1], "arrays alive after rounds 1 and 2 (the cached image and prefix only)");
            assertEquals(live[0], live[2]);
        }
    }
}
