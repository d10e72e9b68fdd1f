package org.phi3vspark.model.generate;

/**
 * The outcome of one request: text (special tokens skipped, stop string cut off), the generated ids
 * (a stop id, if hit, is the last one), why it ended, token counts and timings.
 *
 * @param prefillMillis       the model's work on this request's prompt: the vision tower and the prompt forward
 *                            passes run for it. A shared prefix is counted for the request that computed it; a
 *                            request that reused it counts copying it and prefilling its own suffix.
 * @param decodeMillis        from joining the running batch to the last token (wall time, shared with the
 *                            sequences decoding alongside and the prefill chunks of requests joining meanwhile)
 * @param reusedPromptTokens  prompt tokens whose keys and values were copied from a prefix computed for another
 *                            request (0 when the request prefilled its whole prompt)
 */
public record GenerationResult(String text, long[] generatedIds, FinishReason finishReason, int promptTokens,
        int imageTokens, double prefillMillis, double decodeMillis, int reusedPromptTokens) {

    public int outputTokens() {
        return generatedIds.length;
    }

    /** Decode time per generated token after the first (the first comes out of prefill). */
    public double millisPerToken() {
        return generatedIds.length > 1 ? decodeMillis / (generatedIds.length - 1) : 0;
    }
}
