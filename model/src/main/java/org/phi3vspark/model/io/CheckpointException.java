package org.phi3vspark.model.io;

/** A checkpoint, safetensors file or model config is missing, malformed or does not match the model. */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
