package org.phi3vspark.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PromptBuilderTest {

    private static Phi3Tokenizer tok;
    private static PromptBuilder builder;

    @BeforeAll
    static void load() {
        tok = Phi3Tokenizer.load(TextTestSupport.TINY_F32);
        builder = new PromptBuilder(tok);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void everyChunkStartsWithBosAndImagesBecomeNegativeBlocks() {
        String text = "<|user|>\n<|image_1|>\n<|image_2|>";
        Prompt p = builder.build(text, new int[] {3, 2});
        assertEquals(3, p.chunkIds().size());
        assertArrayEquals(new long[] {1, 32010, 29871, 13}, p.chunkIds().get(0));
        assertArrayEquals(new long[] {1, 29871, 13}, p.chunkIds().get(1));
        // An empty trailing chunk still contributes its BOS, as in the reference.
        assertArrayEquals(new long[] {1}, p.chunkIds().get(2));
        assertArrayEquals(new long[] {1, 32010, 29871, 13, -1, -1, -1, 1, 29871, 13, -2, -2, 1}, p.inputIds());
        assertEquals(5, p.imageTokenCount());
        assertEquals(13, p.length());
        assertEquals(text, p.text());
    }

    @Test
    void textOnlyPromptIsOneEncode() {
        String text = "<|user|>\nHi<|end|>\n<|assistant|>\n";
        Prompt p = builder.build(text, new int[0]);
        assertArrayEquals(tok.encode(text), p.inputIds());
        assertEquals(1, p.chunkIds().size());
        assertEquals(0, p.imageTokenCount());
        assertArrayEquals(p.inputIds(), builder.build(text, null).inputIds());
    }

    @Test
    void messagesAreRenderedWithTheGenerationPrompt() {
        Prompt p = builder.build(List.of(ChatMessage.user("<|image_1|>\nHi")), new int[] {4});
        assertEquals("<|user|>\n<|image_1|>\nHi<|end|>\n<|assistant|>\n", p.text());
        assertEquals(32001, p.inputIds()[p.length() - 1]);
    }

    @Test
    void imagesWithoutTagsAreRejected() {
        PromptException e = assertThrows(PromptException.class, () -> builder.build("<|user|>\nHi", new int[] {757}));
        assertTrue(e.getMessage().contains("0 image tag(s)") && e.getMessage().contains("1 image(s)"), e.getMessage());
    }

    @Test
    void tagsWithoutImagesAreRejected() {
        assertThrows(PromptException.class, () -> builder.build("<|image_1|>\nHi", new int[0]));
        assertThrows(PromptException.class, () -> builder.build("<|image_1|>\nHi", null));
    }

    @Test
    void tagCountMustEqualImageCount() {
        PromptException e = assertThrows(PromptException.class,
                () -> builder.build("<|image_1|><|image_2|>", new int[] {5, 5, 5}));
        assertTrue(e.getMessage().contains("2 image tag(s)") && e.getMessage().contains("3 image(s)"), e.getMessage());
        assertThrows(PromptException.class, () -> builder.build("<|image_1|><|image_2|>", new int[] {5}));
    }

    @Test
    void tagsOutOfOrderAreRejected() {
        PromptException e = assertThrows(PromptException.class,
                () -> builder.build("<|image_2|> and <|image_1|>", new int[] {5, 6}));
        assertTrue(e.getMessage().contains("<|image_2|>") && e.getMessage().contains("<|image_1|> was expected"),
                e.getMessage());
    }

    @Test
    void repeatedTagsAreRejected() {
        assertThrows(PromptException.class, () -> builder.build("<|image_1|> <|image_1|>", new int[] {5, 5}));
        assertThrows(PromptException.class, () -> builder.build("<|image_1|> <|image_1|>", new int[] {5}));
    }

    @Test
    void tagNumbersMustStartAtOne() {
        assertThrows(PromptException.class, () -> builder.build("<|image_0|>", new int[] {5}));
        assertThrows(PromptException.class, () -> builder.build("<|image_2|>", new int[] {5}));
        assertThrows(PromptException.class, () -> builder.build("<|image_01|>", new int[] {5}));
    }

    @Test
    void imageTokenCountsMustBePositive() {
        assertThrows(PromptException.class, () -> builder.build("<|image_1|>", new int[] {0}));
        assertThrows(PromptException.class, () -> builder.build("<|image_1|>", new int[] {-3}));
    }

    @Test
    void otherAngleBracketTextIsNotATag() {
        // <|image|> (id 32044) is a different token and not an image reference for this processor.
        Prompt p = builder.build("<|image|> <|image_x|>", new int[0]);
        assertEquals(0, p.imageTokenCount());
        assertEquals(32044, p.inputIds()[1]);
    }
}
