package org.phi3vspark.model.config;

import java.util.Arrays;
import java.util.Objects;

/**
 * LongRoPE ("su") scaling: per-frequency divisors for sequences up to
 * {@code original_max_position_embeddings} ({@code shortFactor}) and beyond ({@code longFactor}),
 * each of length head_dim / 2. {@link #none} (all factors 1) reproduces plain RoPE exactly.
 */
public record RopeScaling(String type, float[] shortFactor, float[] longFactor) {
    /** Type of {@link #none}: config.json has no rope_scaling block. */
    public static final String NONE = "none";

    public RopeScaling {
        Objects.requireNonNull(type, "type");
        shortFactor = shortFactor.clone();
        longFactor = longFactor.clone();
    }

    /** Unscaled RoPE for a head dimension of {@code 2 * halfDim}. */
    public static RopeScaling none(int halfDim) {
        float[] ones = new float[halfDim];
        Arrays.fill(ones, 1f);
        return new RopeScaling(NONE, ones, ones);
    }

    /** False for {@link #none}; then no magnitude correction applies either. */
    public boolean isScaled() {
        return !NONE.equals(type);
    }

    @Override
    public float[] shortFactor() {
        return shortFactor.clone();
    }

    @Override
    public float[] longFactor() {
        return longFactor.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeScaling r && type.equals(r.type) && Arrays.equals(shortFactor, r.shortFactor)
                && Arrays.equals(longFactor, r.longFactor);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, Arrays.hashCode(shortFactor), Arrays.hashCode(longFactor));
    }

    @Override
    public String toString() {
        return "RopeScaling[type=" + type + ", shortFactor=" + Arrays.toString(shortFactor) + ", longFactor="
                + Arrays.toString(longFactor) + "]";
    }
}
