package org.phi3vspark.udf.task;

import java.io.Serializable;
import org.phi3vspark.model.generate.GenerationConfig;

/**
 * The sampling settings of one task, as written to the {@code generation} result column and hashed into the
 * request key. temperature 0 means greedy (top_k, top_p and seed are then irrelevant but still recorded).
 */
public record GenerationSettings(int maxNewTokens, double temperature, int topK, double topP, long seed)
        implements Serializable {

    public GenerationSettings {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
    }

    public static GenerationSettings greedy(int maxNewTokens) {
        return new GenerationSettings(maxNewTokens, 0.0, 0, 1.0, 0L);
    }

    /** The model's config, with the model's default stop ids. */
    public GenerationConfig toConfig() {
        return GenerationConfig.sampling(maxNewTokens, temperature, topK, topP, seed);
    }

    /** Stable text form for hashing into the request key. */
    public String canonical() {
        return "max_new_tokens=" + maxNewTokens + ";temperature=" + temperature + ";top_k=" + topK + ";top_p=" + topP
                + ";seed=" + seed;
    }
}
