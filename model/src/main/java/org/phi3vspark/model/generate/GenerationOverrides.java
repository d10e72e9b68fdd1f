package org.phi3vspark.model.generate;

/**
 * Sampling settings to change on top of a base {@link GenerationConfig}; a null field keeps the base's value.
 * What a command-line option left unset, a task preset file left out, or a Spark ML param never set means.
 */
public record GenerationOverrides(Integer maxNewTokens, Double temperature, Integer topK, Double topP, Long seed) {

    public static final GenerationOverrides NONE = new GenerationOverrides(null, null, null, null, null);

    /** The base with the set fields replaced; validated by {@link GenerationConfig}'s constructor. */
    public GenerationConfig applyTo(GenerationConfig base) {
        return new GenerationConfig(
                maxNewTokens != null ? maxNewTokens : base.maxNewTokens(),
                temperature != null ? temperature : base.temperature(),
                topK != null ? topK : base.topK(),
                topP != null ? topP : base.topP(),
                seed != null ? seed : base.seed(),
                base.stopIds(), base.stopStrings());
    }

    public boolean isEmpty() {
        return equals(NONE);
    }
}
