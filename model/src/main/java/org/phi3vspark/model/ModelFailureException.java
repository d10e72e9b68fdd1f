package org.phi3vspark.model;

/**
 * The model itself failed, not its input: non-finite logits (fp16 overflow, a corrupt shard), an engine or
 * device error, memory exhausted. Callers must not turn this into an "ok" result, and should not blame the
 * request that happened to be running: the same request on a healthy model would succeed.
 */
public class ModelFailureException extends RuntimeException {
    public ModelFailureException(String message) {
        super(message);
    }

    public ModelFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
