package org.phi3vspark.model.generate;

/** Why generation ended: a stop id or stop string ({@code STOP}) or the max_new_tokens budget ({@code LENGTH}). */
public enum FinishReason {
    STOP,
    LENGTH;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
