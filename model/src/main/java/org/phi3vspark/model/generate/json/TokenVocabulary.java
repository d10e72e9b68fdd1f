package org.phi3vspark.model.generate.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * What each token id of a SentencePiece-style tokenizer.json (Phi-3's) contributes to decoded text, as bytes:
 * {@code ▁} is a space, a byte-fallback token {@code <0xNN>} is the single byte NN (possibly part of a multi-byte
 * UTF-8 character that the following byte tokens finish), any other vocabulary token is its UTF-8 text. Added
 * tokens ({@code <s>}, {@code <|end|>}, {@code </s>}, placeholders) contribute no text a constraint could use.
 * The decoder drops one space at the very start of the text ({@code Strip} in tokenizer.json), which
 * {@link #dropsLeadingSpace()} reports. Load once per tokenizer and share: it is immutable, and holds the byte
 * trie of all token texts that masks are computed with.
 */
public final class TokenVocabulary {
    private static final char SPACE_MARK = '\u2581';
    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x([0-9A-F]{2})>");

    private final byte[][] texts;
    private final int endTokenId;
    private final boolean dropsLeadingSpace;
    private final TokenTrie trie;
    private final Path source;
    private final JsonTokenClasses jsonClasses;

    private TokenVocabulary(byte[][] texts, int endTokenId, boolean dropsLeadingSpace, Path source) {
        this.texts = texts;
        this.endTokenId = endTokenId;
        this.dropsLeadingSpace = dropsLeadingSpace;
        this.source = source;
        this.trie = TokenTrie.of(texts, IntStream.range(0, texts.length).filter(id -> texts[id] != null).toArray());
        this.jsonClasses = new JsonTokenClasses(texts);
    }

    /**
     * Reads {@code tokenizer.json} (a model directory or the file itself).
     *
     * @throws IllegalArgumentException if the file is missing, unreadable, or not a tokenizer of this kind
     */
    public static TokenVocabulary load(Path modelDirOrFile) {
        Path file = Files.isDirectory(modelDirOrFile) ? modelDirOrFile.resolve("tokenizer.json") : modelDirOrFile;
        JsonObject root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = JsonParser.parseReader(reader).getAsJsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("Cannot read tokenizer " + file.toAbsolutePath() + ": " + e.getMessage(),
                    e);
        }
        try {
            return fromJson(root, file);
        } catch (IllegalStateException | NullPointerException | ClassCastException e) {
            throw new IllegalArgumentException("Tokenizer " + file.toAbsolutePath() + " is malformed: " + e, e);
        }
    }

    private static TokenVocabulary fromJson(JsonObject root, Path file) {
        boolean dropsLeadingSpace = checkDecoder(root.get("decoder"), file);
        JsonObject model = root.getAsJsonObject("model");
        boolean byteFallback = model.has("byte_fallback") && model.get("byte_fallback").getAsBoolean();
        Set<Integer> added = new HashSet<>();
        int endTokenId = -1;
        int size = 0;
        for (JsonElement e : root.getAsJsonArray("added_tokens")) {
            JsonObject token = e.getAsJsonObject();
            int id = token.get("id").getAsInt();
            added.add(id);
            size = Math.max(size, id + 1);
            if (token.get("content").getAsString().equals("<|end|>")) {
                endTokenId = id;
            }
        }
        if (endTokenId < 0) {
            throw new IllegalArgumentException("Tokenizer " + file + " has no <|end|> token");
        }
        Set<Map.Entry<String, JsonElement>> vocab = model.getAsJsonObject("vocab").entrySet();
        for (Map.Entry<String, JsonElement> entry : vocab) {
            size = Math.max(size, entry.getValue().getAsInt() + 1);
        }
        byte[][] texts = new byte[size][];
        for (Map.Entry<String, JsonElement> entry : vocab) {
            int id = entry.getValue().getAsInt();
            if (!added.contains(id)) {
                texts[id] = tokenText(entry.getKey(), byteFallback);
            }
        }
        return new TokenVocabulary(texts, endTokenId, dropsLeadingSpace, file);
    }

    private static byte[] tokenText(String piece, boolean byteFallback) {
        Matcher m = BYTE_TOKEN.matcher(piece);
        if (byteFallback && m.matches()) {
            return new byte[] {(byte) Integer.parseInt(m.group(1), 16)};
        }
        byte[] text = piece.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
        return text.length == 0 ? null : text;
    }

    /**
     * Accepts only the decoder this view reproduces: replace {@code ▁} by a space, byte fallback, fuse, strip up
     * to one leading space. Returns whether the leading space is stripped.
     */
    private static boolean checkDecoder(JsonElement decoder, Path file) {
        String expected = "a Sequence of Replace(\u2581 -> space), ByteFallback, Fuse, Strip(space, start <= 1, "
                + "stop 0)";
        if (decoder == null || !decoder.isJsonObject() || !"Sequence".equals(type(decoder))) {
            throw unsupportedDecoder(file, decoder, expected);
        }
        JsonArray steps = decoder.getAsJsonObject().getAsJsonArray("decoders");
        boolean shape = steps.size() == 4 && "Replace".equals(type(steps.get(0)))
                && "ByteFallback".equals(type(steps.get(1))) && "Fuse".equals(type(steps.get(2)))
                && "Strip".equals(type(steps.get(3)));
        if (!shape) {
            throw unsupportedDecoder(file, decoder, expected);
        }
        JsonObject replace = steps.get(0).getAsJsonObject();
        JsonObject strip = steps.get(3).getAsJsonObject();
        boolean replacesMark = String.valueOf(SPACE_MARK).equals(replace.getAsJsonObject("pattern").get("String")
                .getAsString()) && " ".equals(replace.get("content").getAsString());
        int start = strip.get("start").getAsInt();
        if (!replacesMark || !" ".equals(strip.get("content").getAsString()) || start > 1
                || strip.get("stop").getAsInt() != 0) {
            throw unsupportedDecoder(file, decoder, expected);
        }
        return start == 1;
    }

    private static String type(JsonElement step) {
        JsonElement type = step.getAsJsonObject().get("type");
        return type == null ? null : type.getAsString();
    }

    private static IllegalArgumentException unsupportedDecoder(Path file, JsonElement decoder, String expected) {
        return new IllegalArgumentException("Tokenizer " + file + " has decoder " + decoder + "; constrained "
                + "decoding supports " + expected);
    }

    /** Number of token ids (the largest id + 1); a model's logits may be longer (padded embedding rows). */
    public int size() {
        return texts.length;
    }

    /** The bytes that token {@code id} adds to decoded text, or null for a token without usable text. */
    public byte[] text(int id) {
        return id >= 0 && id < texts.length && texts[id] != null ? texts[id].clone() : null;
    }

    /** {@code <|end|>}, the only token a constraint allows after a complete value. */
    public int endTokenId() {
        return endTokenId;
    }

    /** Whether decoding drops one space at the start of the generated text. */
    public boolean dropsLeadingSpace() {
        return dropsLeadingSpace;
    }

    /** Number of token ids with text. */
    public int textTokenCount() {
        return (int) IntStream.range(0, texts.length).filter(id -> texts[id] != null).count();
    }

    TokenTrie trie() {
        return trie;
    }

    /** Token texts by id, shared (callers must not modify them). */
    byte[][] texts() {
        return texts;
    }

    /** The vocabulary's split into string-safe and other tokens. */
    JsonTokenClasses jsonClasses() {
        return jsonClasses;
    }

    @Override
    public String toString() {
        return "TokenVocabulary[" + source + ", " + texts.length + " ids]";
    }
}
