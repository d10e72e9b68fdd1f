package org.phi3vspark.model.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Phi-3.5-vision's tokenizer: tokenizer.json run through the Hugging Face Rust library (DJL JNI), which
 * reproduces the reference ids exactly, including the legacy {@code ▁} after every added token and the
 * {@code rstrip} of {@code <|assistant|>}. A re-implementation in Java would have to reproduce those quirks.
 *
 * <p>Truncation and padding are switched off: DJL otherwise truncates to 512 tokens, and image prompts are
 * far longer. Every {@link #encode} starts with BOS (the tokenizer.json post-processor adds it).
 */
public final class Phi3Tokenizer implements AutoCloseable {

    /** An entry of tokenizer.json's {@code added_tokens}; {@code special} decides what skip-special decoding drops. */
    private record AddedToken(long id, String content, boolean special) {
    }

    private final HuggingFaceTokenizer tokenizer;
    private final Path source;
    private final List<AddedToken> addedTokens;
    private final long bosId;
    private final long endOfTurnId;
    private final long endOfTextId;

    private Phi3Tokenizer(HuggingFaceTokenizer tokenizer, Path source, List<AddedToken> addedTokens) {
        this.tokenizer = tokenizer;
        this.source = source;
        this.addedTokens = addedTokens;
        this.bosId = bosFromPostProcessor();
        this.endOfTurnId = addedTokenId("<|end|>");
        this.endOfTextId = addedTokenId("<|endoftext|>");
    }

    /** Loads {@code modelDir/tokenizer.json}; nothing is downloaded. */
    public static Phi3Tokenizer load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Model directory " + modelDir.toAbsolutePath()
                    + " has no tokenizer.json (expected " + file.toAbsolutePath() + ")");
        }
        List<AddedToken> added = readAddedTokens(file);
        HuggingFaceTokenizer tk;
        try {
            tk = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(true)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Cannot load tokenizer " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        try {
            return new Phi3Tokenizer(tk, file, added);
        } catch (RuntimeException e) {
            tk.close();
            throw e;
        }
    }

    // DJL does not expose token-to-id lookups, so the added-token table is read from the JSON directly.
    private static List<AddedToken> readAddedTokens(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonObject root = JsonParser.parseReader(r).getAsJsonObject();
            List<AddedToken> out = new ArrayList<>();
            if (root.has("added_tokens")) {
                for (JsonElement e : root.getAsJsonArray("added_tokens")) {
                    JsonObject t = e.getAsJsonObject();
                    out.add(new AddedToken(t.get("id").getAsLong(), t.get("content").getAsString(),
                            t.has("special") && t.get("special").getAsBoolean()));
                }
            }
            return List.copyOf(out);
        } catch (IOException | JsonParseException | IllegalStateException | NullPointerException e) {
            throw new IllegalStateException("Cannot read added_tokens of tokenizer " + file.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Token ids of {@code text}, starting with BOS; never truncated. */
    public long[] encode(String text) {
        return tokenizer.encode(text, true, false).getIds();
    }

    /**
     * Text of generated ids as the reference prints it ({@code skip_special_tokens=True}): role/end/placeholder
     * tokens vanish, {@code </s>} (id 2, not special in this tokenizer) stays as text, and ids without a string
     * (32045..32063, the padded part of the embedding) are skipped.
     */
    public String decode(long[] ids) {
        return tokenizer.decode(checkIds(ids), true);
    }

    /** Like {@link #decode} but special tokens are rendered as their text ({@code skip_special_tokens=False}). */
    public String decodeWithSpecialTokens(long[] ids) {
        return tokenizer.decode(checkIds(ids), false);
    }

    /** {@code <s>}, prepended to every encoded chunk. */
    public long bosId() {
        return bosId;
    }

    /** {@code <|end|>}, the end of a chat turn. */
    public long endOfTurnId() {
        return endOfTurnId;
    }

    /** {@code <|endoftext|>}, the tokenizer's EOS (the model card stops on this one). */
    public long endOfTextId() {
        return endOfTextId;
    }

    /**
     * Id of an added token such as {@code <|end|>} or {@code </s>}, from tokenizer.json's {@code added_tokens}.
     *
     * @throws IllegalArgumentException if {@code token} is not an added token of this tokenizer
     */
    public long addedTokenId(String token) {
        for (AddedToken t : addedTokens) {
            if (t.content().equals(token)) {
                return t.id();
            }
        }
        throw new IllegalArgumentException("'" + token + "' is not an added token of " + source);
    }

    /** Whether {@code id} is an added token marked special, i.e. one that {@link #decode} drops. */
    public boolean isSpecial(long id) {
        for (AddedToken t : addedTokens) {
            if (t.id() == id) {
                return t.special();
            }
        }
        return false;
    }

    private long bosFromPostProcessor() {
        long[] ids = tokenizer.encode("", true, false).getIds();
        if (ids.length != 1) {
            throw new IllegalStateException("Tokenizer " + source + " does not add exactly one BOS token to its input "
                    + "(got " + ids.length + " ids for an empty string); it is not a Phi-3.5-vision tokenizer");
        }
        return ids[0];
    }

    private static long[] checkIds(long[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) {
                // Negative ids are image placeholders; they have no text and the native side would wrap them.
                throw new IllegalArgumentException("Cannot decode negative token id " + ids[i] + " at index " + i
                        + " (image placeholder?)");
            }
        }
        return ids;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "Phi3Tokenizer[" + source + "]";
    }
}
