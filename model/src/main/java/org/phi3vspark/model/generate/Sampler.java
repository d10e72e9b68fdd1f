package org.phi3vspark.model.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Chooses the next token from float32 logits: argmax, or temperature → top-k → top-p → softmax → draw. */
public final class Sampler {
    private final GenerationConfig config;
    private final SplittableRandom random;

    public Sampler(GenerationConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    public int next(float[] logits) {
        return config.isGreedy() ? argmax(logits) : sample(logits);
    }

    /** Lowest index wins ties, as torch.argmax. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private int sample(float[] logits) {
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = config.topK() > 0 ? Math.min(config.topK(), n) : n;
        double[] probs = new double[keep];
        double max = logits[order[0]] / config.temperature();
        double sum = 0;
        for (int r = 0; r < keep; r++) {
            probs[r] = Math.exp(logits[order[r]] / config.temperature() - max);
            sum += probs[r];
        }
        // top-p keeps the smallest prefix whose mass reaches topP (always at least one token)
        double cumulative = 0;
        int nucleus = keep;
        for (int r = 0; r < keep; r++) {
            cumulative += probs[r] / sum;
            if (cumulative >= config.topP()) {
                nucleus = r + 1;
                break;
            }
        }
        double mass = 0;
        for (int r = 0; r < nucleus; r++) {
            mass += probs[r];
        }
        double u = random.nextDouble() * mass;
        int lastPossible = 0;
        for (int r = 0; r < nucleus; r++) {
            if (probs[r] > 0) {
                lastPossible = r;
            }
            u -= probs[r];
            if (u <= 0 && probs[r] > 0) {
                return order[r];
            }
        }
        // rounding left a sliver of u: the last token that can be drawn at all, never a masked (-inf) one
        return order[lastPossible];
    }
}
