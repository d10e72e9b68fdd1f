package org.phi3vspark.model.generate;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Decoding settings of one request. temperature 0 means greedy (argmax, lowest id on ties); otherwise
 * logits / temperature → top-k (0 = off) → top-p (1 = off) → softmax → a draw from a generator seeded with
 * {@code seed}, so the same seed gives the same text. Generation stops after any id of {@code stopIds},
 * when the text contains any of {@code stopStrings} (which is cut off), or after maxNewTokens.
 *
 * <p>The one validation of these values: the job's task presets, the command-line options
 * ({@link org.phi3vspark.model.cli.GenerationOptions}) and {@link GenerationOverrides} all end in this
 * constructor. Serializable so that Spark tasks can carry it.
 */
public record GenerationConfig(int maxNewTokens, double temperature, int topK, double topP, long seed,
        int[] stopIds, List<String> stopStrings) implements Serializable {

    /** The end-of-turn, end-of-text and config eos ids: {@code <|end|>}, {@code <|endoftext|>}, {@code </s>}. */
    public static final int[] DEFAULT_STOP_IDS = {32007, 32000, 2};

    /** The one set of defaults: greedy, at most 256 new tokens, the default stop ids, no stop strings. */
    public static final GenerationConfig DEFAULTS = new GenerationConfig(256, 0, 0, 1.0, 0, null, null);

    public GenerationConfig {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        stopIds = stopIds == null ? DEFAULT_STOP_IDS.clone() : stopIds.clone();
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0, 0, 1.0, 0, null, null);
    }

    public static GenerationConfig sampling(int maxNewTokens, double temperature, int topK, double topP, long seed) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, null, null);
    }

    /** The same settings with these stop strings (the text is cut before the first one found). */
    public GenerationConfig withStopStrings(List<String> strings) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, stopIds, strings);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public boolean isStopId(long id) {
        for (int stop : stopIds) {
            if (stop == id) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int[] stopIds() {
        return stopIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationConfig g && maxNewTokens == g.maxNewTokens && temperature == g.temperature
                && topK == g.topK && topP == g.topP && seed == g.seed && Arrays.equals(stopIds, g.stopIds)
                && stopStrings.equals(g.stopStrings);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(stopIds) + java.util.Objects.hash(maxNewTokens, temperature, topK, topP, seed, stopStrings);
    }

    @Override
    public String toString() {
        return "GenerationConfig[maxNewTokens=" + maxNewTokens + ", temperature=" + temperature + ", topK=" + topK
                + ", topP=" + topP + ", seed=" + seed + ", stopIds=" + Arrays.toString(stopIds)
                + ", stopStrings=" + stopStrings + "]";
    }
}
