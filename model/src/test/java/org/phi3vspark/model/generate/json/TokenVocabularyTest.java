package org.phi3vspark.model.generate.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.GoldenSet;
import org.phi3vspark.model.text.Phi3Tokenizer;

/** The vocabulary view of the real Phi-3 tokenizer agrees with what the tokenizer decodes. */
class TokenVocabularyTest {
    private static final TokenVocabulary VOCABULARY = JsonTestSupport.vocabulary();
    private static Phi3Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Phi3Tokenizer.load(GoldenSet.fixtureCheckpoint("tiny-f32"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static long[] encodeWithoutBos(String text) {
        long[] ids = tokenizer.encode(text);
        return Arrays.copyOfRange(ids, 1, ids.length);
    }

    private static int idOfText(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return IntStream.range(0, VOCABULARY.size()).filter(id -> Arrays.equals(VOCABULARY.text(id), bytes))
                .findFirst().orElseThrow(() -> new AssertionError("no token spells " + text));
    }

    @Test
    void addedAndPaddedIdsHaveNoText() {
        assertEquals(32045, VOCABULARY.size());
        assertEquals(32000 - 3, VOCABULARY.textTokenCount(), "the vocabulary less <unk>, <s>, </s>");
        assertEquals(32007, VOCABULARY.endTokenId());
        for (int id : new int[] {0, 1, 2, 32000, 32001, 32007, 32010, 32044, 32045, 32063, -1}) {
            assertNull(VOCABULARY.text(id), "id " + id);
        }
        assertTrue(VOCABULARY.dropsLeadingSpace());
    }

    @Test
    void spaceMarksBecomeSpacesAndByteTokensSingleBytes() {
        long[] the = encodeWithoutBos("the");
        assertEquals(1, the.length);
        assertArrayEquals(" the".getBytes(StandardCharsets.UTF_8), VOCABULARY.text((int) the[0]));
        assertArrayEquals(new byte[] {'\n'}, VOCABULARY.text(3 + 0x0A));
        assertArrayEquals(new byte[] {(byte) 0xE2}, VOCABULARY.text(3 + 0xE2), "a lone UTF-8 lead byte");
        assertArrayEquals(new byte[] {'{'}, VOCABULARY.text(3 + '{'));
    }

    @Test
    void tokensCrossStructuralCharacters() {
        for (String text : new String[] {"\"},", "\":", "\"]", "\",", " \"", "{\"", "\":\"", "\"],", "\"}"}) {
            idOfText(text);
        }
        long[] ids = encodeWithoutBos("{\"a\": [\"x\"], \"b\": {\"c\": \"d\"}}");
        long crossing = Arrays.stream(ids).filter(id -> {
            String t = new String(VOCABULARY.text((int) id), StandardCharsets.UTF_8);
            return t.length() > 1 && t.contains("\"") && t.chars().anyMatch(c -> ":,]}".indexOf(c) >= 0);
        }).count();
        assertTrue(crossing > 0, "the tokenizer itself writes JSON with such tokens: " + Arrays.toString(ids));
    }

    @Test
    void textOfEncodedStringsIsWhatTheTokenizerDecodes() {
        String[] texts = {"{\"chart_type\": \"bar\", \"title\": \"Umsatz pro Monat\"}", "  two leading spaces",
            "caf\u00e9 \u4e2d\u6587 \uD834\uDD1E \uD83D\uDE00 \u0A85", "line\nbreak\ttab", "{\"y\": -3.25e-7}",
            "\u2581literal mark", "<0x41> is not a byte token in text"};
        boolean sawByteFallback = false;
        for (String text : texts) {
            long[] ids = encodeWithoutBos(text);
            sawByteFallback |= Arrays.stream(ids).anyMatch(id -> id >= 3 + 0x80 && id < 3 + 256);
            assertEquals(tokenizer.decode(ids), JsonTestSupport.text(VOCABULARY, ids), text);
        }
        assertTrue(sawByteFallback, "some text needed byte-fallback tokens for a multi-byte character");
    }

    @Test
    void textOfRandomTokenSequencesIsWhatTheTokenizerDecodes() {
        Random random = new Random(3);
        int[] wholeCharacters = IntStream.range(0, VOCABULARY.size()).filter(id -> VOCABULARY.text(id) != null
                && new String(VOCABULARY.text(id), StandardCharsets.UTF_8).indexOf('\uFFFD') < 0).toArray();
        for (int i = 0; i < 300; i++) {
            long[] ids = random.ints(1 + random.nextInt(8), 0, wholeCharacters.length)
                    .mapToLong(k -> wholeCharacters[k]).toArray();
            if (random.nextInt(4) == 0) { // the decoder drops the leading space of a lone space token too
                ids[0] = idOfText(" ");
            }
            assertEquals(tokenizer.decode(ids), JsonTestSupport.text(VOCABULARY, ids), Arrays.toString(ids));
        }
    }

    @Test
    void unreadableOrForeignTokenizersAreRejected(@TempDir Path dir) throws IOException {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TokenVocabulary.load(dir)).getMessage()
                .startsWith("Cannot read tokenizer"));
        JsonObject real = JsonParser.parseString(Files.readString(GoldenSet.fixtureCheckpoint("tiny-f32")
                .resolve("tokenizer.json"))).getAsJsonObject();
        real.add("decoder", JsonParser.parseString("{\"type\": \"ByteLevel\"}"));
        Path byteLevel = dir.resolve("tokenizer.json");
        Files.writeString(byteLevel, real.toString());
        String message = assertThrows(IllegalArgumentException.class, () -> TokenVocabulary.load(byteLevel))
                .getMessage();
        assertTrue(message.contains("constrained decoding supports"), message);
    }
}
