package org.phi3vspark.model.cli;

import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationOverrides;
import picocli.CommandLine.Option;

/**
 * The generation options every command shares ({@code generate}, {@code bench}, {@code run}), as a picocli mixin:
 * {@code @CommandLine.Mixin GenerationOptions generation;}. An option left out keeps the base's value, so there is
 * one set of defaults ({@link GenerationConfig#DEFAULTS}) and one validation (GenerationConfig's constructor):
 *
 * <ul>
 *   <li>{@link #config()}: the options over {@link GenerationConfig#DEFAULTS}, for a single request;</li>
 *   <li>{@link #over(GenerationConfig)}: the options over another base (a task preset);</li>
 *   <li>{@link #overrides()}: the options as {@link GenerationOverrides}, for code that applies them later.</li>
 * </ul>
 */
public final class GenerationOptions {

    @Option(names = "--max-new-tokens", description = "Most tokens to generate. Default: generate 256, bench 24, run each task's.")
    Integer maxNewTokens;

    @Option(names = "--temperature", description = "Sampling temperature; 0 = greedy. Default: 0 (run: each task's).")
    Double temperature;

    @Option(names = "--top-k", description = "Sampling: keep the k most likely tokens; 0 = off. Default: 0.")
    Integer topK;

    @Option(names = "--top-p", description = "Sampling: nucleus mass; 1 = off. Default: 1.")
    Double topP;

    @Option(names = "--seed", description = "Sampling seed: the same seed gives the same text. Default: 0.")
    Long seed;

    public GenerationOverrides overrides() {
        return new GenerationOverrides(maxNewTokens, temperature, topK, topP, seed);
    }

    public GenerationConfig over(GenerationConfig base) {
        return overrides().applyTo(base);
    }

    public GenerationConfig config() {
        return over(GenerationConfig.DEFAULTS);
    }
}
