package org.phi3vspark.model.text;

/** A prompt or chat conversation that cannot be turned into model input (bad image tags, unknown role, ...). */
public class PromptException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public PromptException(String message) {
        super(message);
    }
}
