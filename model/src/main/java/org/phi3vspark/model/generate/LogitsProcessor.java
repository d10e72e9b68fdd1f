package org.phi3vspark.model.generate;

/**
 * A hook in the decode loop, applied to the float32 next-token logits of one sequence before the token
 * is chosen (for example to constrain output to a schema). It may modify {@code logits} in place.
 */
@FunctionalInterface
public interface LogitsProcessor {
    LogitsProcessor NONE = (generated, logits) -> {};

    /** @param generated ids generated so far for this sequence (no prompt ids) */
    void process(long[] generated, float[] logits);
}
