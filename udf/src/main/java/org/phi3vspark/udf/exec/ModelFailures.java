package org.phi3vspark.udf.exec;

import ai.djl.engine.EngineException;
import java.util.Locale;
import org.phi3vspark.model.ModelFailureException;

/**
 * Tells a failure of the model from a failure of the request, for an exception out of generate (after the
 * request was retried alone). The model's: {@link ModelFailureException} (non-finite logits), DJL's
 * {@link EngineException} (PyTorch, CUDA), out of memory, and anything unexpected. The request's: an
 * {@link IllegalArgumentException}, which the model throws for a request it cannot run.
 */
final class ModelFailures {

    private ModelFailures() {
    }

    static boolean isModelFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ModelFailureException || t instanceof EngineException || t instanceof OutOfMemoryError) {
                return true;
            }
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("out of memory") || m.contains("cuda")) {
                return true;
            }
        }
        return !(failure instanceof IllegalArgumentException);
    }
}
