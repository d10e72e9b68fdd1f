package org.phi3vspark.model.generate;

/**
 * The outcome of one request: text (special tokens skipped, stop string cut off), the generated ids
 * (a stop id, if hit, is the last one), why it ended, token counts and timings (prefill includes the
 * vision tower).
 */
public record GenerationResult(String text, long[] generatedIds, FinishReason finishReason, int promptTokens,
        int imageTokens, double prefillMillis, double decodeMillis) {

    public int outputTokens() {
        return generatedIds.length;
    }

    /** Decode time per generated token after the first (the first comes out of prefill). */
    public double millisPerToken() {
        return generatedIds.length > 1 ? decodeMillis / (generatedIds.length - 1) : 0;
    }
}
