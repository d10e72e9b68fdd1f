package org.phi3vspark.model.generate.json;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The vocabulary split for string bodies, where masks would otherwise be largest: a <em>string-safe</em> token
 * (no quote, backslash or control byte, whole UTF-8 characters only) keeps any free string open, adding its
 * code points; about 31.5k of Phi-3's 32k tokens are string-safe. Inside a string body a mask therefore
 * walks only the trie of the other tokens and allows the string-safe ones by length, which keeps the walk
 * to a few hundred trie nodes.
 */
final class JsonTokenClasses {
    /** String-safe token ids, by code point count (then id). */
    private final int[] safeByLength;
    /** {@code safeCountUpTo[k]}: how many string-safe tokens have at most k code points. */
    private final int[] safeCountUpTo;
    private final int[] otherIds;
    private final TokenTrie otherTrie;
    private final int[] textlessIds;

    JsonTokenClasses(byte[][] texts) {
        int[] codePoints = new int[texts.length];
        for (int id = 0; id < texts.length; id++) {
            codePoints[id] = texts[id] == null ? -1 : stringSafeCodePoints(texts[id]);
        }
        safeByLength = IntStream.range(0, texts.length).filter(id -> codePoints[id] > 0).boxed()
                .sorted(Comparator.comparingInt((Integer id) -> codePoints[id]).thenComparingInt(id -> id))
                .mapToInt(Integer::intValue).toArray();
        int longest = safeByLength.length == 0 ? 0 : codePoints[safeByLength[safeByLength.length - 1]];
        safeCountUpTo = new int[longest + 1];
        for (int id : safeByLength) {
            safeCountUpTo[codePoints[id]]++;
        }
        for (int k = 1; k <= longest; k++) {
            safeCountUpTo[k] += safeCountUpTo[k - 1];
        }
        otherIds = IntStream.range(0, texts.length).filter(id -> texts[id] != null && codePoints[id] <= 0).toArray();
        otherTrie = TokenTrie.of(texts, otherIds);
        textlessIds = IntStream.range(0, texts.length).filter(id -> texts[id] == null).toArray();
    }

    /** Code points of a string-safe text, or -1 if the text is not string-safe. */
    static int stringSafeCodePoints(byte[] text) {
        for (byte b : text) {
            int u = b & 0xFF;
            if (u < 0x20 || u == '"' || u == '\\') {
                return -1;
            }
        }
        try {
            String decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(text)).toString();
            return decoded.codePointCount(0, decoded.length());
        } catch (CharacterCodingException e) {
            return -1; // a lone byte-fallback byte of a multi-byte character
        }
    }

    /** Longest string-safe token, in code points. */
    int longestSafe() {
        return safeCountUpTo.length - 1;
    }

    /** How many string-safe ids have at most {@code limit} code points: the first ones of {@link #safeByLength()}. */
    int safeCountUpTo(int limit) {
        return safeCountUpTo[Math.min(limit, longestSafe())];
    }

    int[] safeByLength() {
        return safeByLength;
    }

    /** Ids with text that are not string-safe, sorted. */
    int[] otherIds() {
        return otherIds;
    }

    TokenTrie otherTrie() {
        return otherTrie;
    }

    /** Ids below the vocabulary size without text (special and added tokens, end token included). */
    int[] textlessIds() {
        return textlessIds;
    }
}
