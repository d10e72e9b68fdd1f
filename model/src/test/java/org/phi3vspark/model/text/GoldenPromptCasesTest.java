package org.phi3vspark.model.text;

import org.phi3vspark.model.GoldenSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every case directory of the golden set: chat template, prompt ids and decoded generation text. */
class GoldenPromptCasesTest {

    // Keyed by checkpoint directory: cases name the checkpoint whose tokenizer produced them.
    private static final Map<Path, Phi3Tokenizer> TOKENIZERS = new HashMap<>();

    @AfterAll
    static void close() {
        TOKENIZERS.values().forEach(Phi3Tokenizer::close);
        TOKENIZERS.clear();
    }

    private static Phi3Tokenizer tokenizerFor(String checkpoint) {
        return TOKENIZERS.computeIfAbsent(TextTestSupport.GOLDEN.resolve("checkpoints").resolve(checkpoint),
                Phi3Tokenizer::load);
    }

    @TestFactory
    List<DynamicTest> everyGoldenCase() throws IOException {
        List<Path> caseDirs;
        try (Stream<Path> s = Files.list(TextTestSupport.GOLDEN.resolve("cases"))) {
            caseDirs = s.filter(d -> Files.isRegularFile(d.resolve("case.json"))).sorted().toList();
        }
        assertFalse(caseDirs.isEmpty(), "no cases under " + TextTestSupport.GOLDEN.resolve("cases"));
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : caseDirs) {
            String name = dir.getFileName().toString();
            tests.add(DynamicTest.dynamicTest(name + " template", () -> checkTemplate(readCase(dir))));
            tests.add(DynamicTest.dynamicTest(name + " prompt ids", () -> checkPromptIds(readCase(dir))));
            tests.add(DynamicTest.dynamicTest(name + " decode", () -> checkDecode(readCase(dir))));
        }
        return tests;
    }

    private static JsonObject readCase(Path dir) {
        return GoldenSet.json(dir.resolve("case.json"));
    }

    private static List<ChatMessage> messages(JsonObject c) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonElement e : c.getAsJsonArray("messages")) {
            JsonObject m = e.getAsJsonObject();
            out.add(new ChatMessage(m.get("role").getAsString(), m.get("content").getAsString()));
        }
        return out;
    }

    private static boolean addGenerationPrompt(JsonObject c) {
        return !c.has("add_generation_prompt") || c.get("add_generation_prompt").getAsBoolean();
    }

    private static void checkTemplate(JsonObject c) {
        assertEquals(c.get("prompt").getAsString(), ChatTemplate.render(messages(c), addGenerationPrompt(c)));
    }

    private static void checkPromptIds(JsonObject c) {
        PromptBuilder builder = new PromptBuilder(tokenizerFor(c.get("checkpoint").getAsString()));
        int[] numImgTokens = GoldenSet.ints(c.get("num_img_tokens"));
        Prompt p = builder.build(c.get("prompt").getAsString(), numImgTokens);

        JsonArray chunks = c.getAsJsonArray("prompt_chunk_ids");
        assertEquals(chunks.size(), p.chunkIds().size(), "number of prompt chunks");
        for (int i = 0; i < chunks.size(); i++) {
            assertArrayEquals(GoldenSet.longs(chunks.get(i)), p.chunkIds().get(i), "chunk " + i);
        }
        assertArrayEquals(GoldenSet.longs(c.get("input_ids")), p.inputIds(), "input_ids");
        assertEquals(c.get("seq_len").getAsInt(), p.length(), "seq_len");

        if (addGenerationPrompt(c)) {
            // The message path must give the same ids as the stored templated prompt.
            assertArrayEquals(p.inputIds(), builder.build(messages(c), numImgTokens).inputIds(), "ids from messages");
        }
    }

    private static void checkDecode(JsonObject c) {
        Phi3Tokenizer tok = tokenizerFor(c.get("checkpoint").getAsString());
        JsonObject g = c.getAsJsonObject("generation");
        long[] newIds = GoldenSet.longs(g.get("new_ids"));
        assertTrue(newIds.length > 0, "case has no generated ids");
        assertEquals(g.get("text").getAsString(), tok.decode(newIds), "text");
        assertEquals(g.get("text_with_special_tokens").getAsString(), tok.decodeWithSpecialTokens(newIds),
                "text_with_special_tokens");
    }
}
