package org.phi3vspark.model.text;

import org.phi3vspark.model.GoldenSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class Phi3TokenizerTest {

    private static Phi3Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Phi3Tokenizer.load(TextTestSupport.TINY_F32);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** Every string of the Python cross-check: ids with BOS and skip-special decode, exactly. */
    @TestFactory
    List<DynamicTest> matchesPythonTokenizerOnEveryCrossCheckString() {
        JsonObject check = GoldenSet.json(TextTestSupport.GOLDEN.resolve("tokenizer/tokcheck_python.json"));
        assertTrue(check.get("add_special_tokens").getAsBoolean());
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonElement e : check.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            long[] ids = GoldenSet.longs(c.get("ids"));
            String decoded = c.get("decoded_skip_special").getAsString();
            String name = "tokcheck[" + i++ + "] " + abbreviate(text);
            tests.add(DynamicTest.dynamicTest(name, () -> {
                assertArrayEquals(ids, tok.encode(text), "ids of " + text);
                assertEquals(decoded, tok.decode(ids), "decode of " + text);
            }));
        }
        assertTrue(tests.size() > 0, "tokcheck_python.json has no cases");
        return tests;
    }

    @Test
    void longInputIsNotTruncated() {
        String text = "hello ".repeat(700) + "end";
        long[] ids = tok.encode(text);
        // BOS, 700 × "▁hello", "▁end"
        assertEquals(702, ids.length);
        assertEquals(1, ids[0]);
        for (int i = 2; i <= 700; i++) {
            assertEquals(ids[1], ids[i], "token " + i);
        }
        assertEquals(text, tok.decode(ids));
    }

    @Test
    void specialIdsComeFromTheTokenizer() {
        assertEquals(1, tok.bosId());
        assertEquals(32007, tok.endOfTurnId());
        assertEquals(32000, tok.endOfTextId());
        assertEquals(2, tok.addedTokenId("</s>"));
        assertEquals(32001, tok.addedTokenId("<|assistant|>"));
        assertEquals(32044, tok.addedTokenId("<|image|>"));
        assertThrows(IllegalArgumentException.class, () -> tok.addedTokenId("hello"));
        assertThrows(IllegalArgumentException.class, () -> tok.addedTokenId("<|image_1|>"));
        assertTrue(tok.isSpecial(32007));
        assertTrue(tok.isSpecial(1));
        assertFalse(tok.isSpecial(2));
        assertFalse(tok.isSpecial(263));
        assertFalse(tok.isSpecial(32050));
    }

    @Test
    void endOfSequenceIsNotSpecialAndStaysAsText() {
        assertEquals("a</s>", tok.decode(new long[] {263, 2}));
        assertEquals("a", tok.decode(new long[] {263, 32007, 32000}));
        assertEquals("a<|end|><|endoftext|>", tok.decodeWithSpecialTokens(new long[] {263, 32007, 32000}));
    }

    @Test
    void idsWithoutAStringAreSkipped() {
        for (long id = 32045; id <= 32063; id++) {
            assertEquals("a", tok.decode(new long[] {263, id}), "id " + id);
            assertEquals("a", tok.decodeWithSpecialTokens(new long[] {263, id}), "id " + id);
        }
        assertEquals("", tok.decode(new long[0]));
    }

    @Test
    void negativeIdsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.decode(new long[] {263, -1}));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void missingTokenizerJsonNamesTheDirectory(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Phi3Tokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    private static String abbreviate(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        String flat = b.toString();
        return flat.length() <= 40 ? flat : flat.substring(0, 40) + "...";
    }
}
