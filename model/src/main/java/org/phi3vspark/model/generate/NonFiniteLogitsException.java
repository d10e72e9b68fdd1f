package org.phi3vspark.model.generate;

import org.phi3vspark.model.ModelFailureException;

/** The decoder produced NaN or infinite logits: decoding them would silently emit garbage tokens. */
public final class NonFiniteLogitsException extends ModelFailureException {
    private final int requestIndex;
    private final int step;

    public NonFiniteLogitsException(int requestIndex, int step, String detail) {
        super("non-finite logits (" + detail + ") for request " + requestIndex + " of the batch at generation step "
                + step + " (step 0 = the prefill): the model is broken (fp16 overflow, corrupt weights), not the input");
        this.requestIndex = requestIndex;
        this.step = step;
    }

    /** Index of the request in the batch passed to generate. */
    public int requestIndex() {
        return requestIndex;
    }

    /** Generated tokens before the failing step (0 = the logits of the prefill). */
    public int step() {
        return step;
    }
}
