package org.phi3vspark.model.text;

import java.util.List;
import java.util.Objects;

/**
 * Model input for one prompt.
 *
 * @param text         the templated prompt string the ids were made from
 * @param inputIds     token ids with image placeholders: image N occupies {@code numImgTokens[N-1]} positions of id -N
 * @param chunkIds     ids of each text chunk between image tags, each starting with BOS (one chunk for text-only prompts)
 * @param numImgTokens image-token count per image, in image order (empty for text-only prompts)
 */
public record Prompt(String text, long[] inputIds, List<long[]> chunkIds, int[] numImgTokens) {

    public Prompt {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(inputIds, "inputIds");
        chunkIds = List.copyOf(chunkIds);
        Objects.requireNonNull(numImgTokens, "numImgTokens");
    }

    /** Number of positions in {@link #inputIds()} that image features overwrite. */
    public int imageTokenCount() {
        int n = 0;
        for (int t : numImgTokens) {
            n += t;
        }
        return n;
    }

    public int length() {
        return inputIds.length;
    }

    public int numImages() {
        return numImgTokens.length;
    }
}
