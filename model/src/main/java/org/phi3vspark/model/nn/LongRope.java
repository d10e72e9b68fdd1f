package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.phi3vspark.model.config.ModelConfig;

/**
 * LongRoPE ("su") rotary embedding, rotate-half layout. A sequence uses the short factors while its total
 * length is at most original_max_position_embeddings and the long factors beyond; cos and sin carry the
 * magnitude factor in both modes. All angle arithmetic is float32, as in the reference.
 */
public final class LongRope {
    private final float[] shortInvFreq; // [d/2]
    private final float[] longInvFreq; // [d/2]
    private final float magnitude;
    private final int originalMaxPositions;
    private final int headDim;

    public LongRope(ModelConfig config) {
        this.headDim = config.headDim();
        this.originalMaxPositions = config.originalMaxPositionEmbeddings();
        this.magnitude = (float) config.ropeMagnitude();
        this.shortInvFreq = inverseFrequencies(config.ropeScaling().shortFactor(), config.ropeTheta(), headDim);
        this.longInvFreq = inverseFrequencies(config.ropeScaling().longFactor(), config.ropeTheta(), headDim);
    }

    /** inv_freq_i = 1 / (factor_i · θ^(2i/d)), each step rounded to float32. */
    private static float[] inverseFrequencies(float[] factors, double theta, int d) {
        float[] inv = new float[d / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) d;
            float power = (float) Math.pow(theta, exponent);
            inv[i] = 1.0f / (factors[i] * power);
        }
        return inv;
    }

    /** Whether a sequence of {@code totalLength} tokens (cached + new) uses the long factors. */
    public boolean usesLongFactors(int totalLength) {
        return totalLength > originalMaxPositions;
    }

    /**
     * cos and sin tables for a batch: row b covers positions start[b] .. start[b] + length − 1 with the
     * factor set longFactors[b]. Returns [cos, sin], each [B, 1, T, d] in {@code dtype}.
     */
    public NDList cosSin(NDManager manager, int[] start, int length, boolean[] longFactors, DataType dtype) {
        int b = start.length;
        int half = headDim / 2;
        float[] cos = new float[b * length * headDim];
        float[] sin = new float[cos.length];
        for (int row = 0; row < b; row++) {
            float[] inv = longFactors[row] ? longInvFreq : shortInvFreq;
            for (int t = 0; t < length; t++) {
                float position = start[row] + t;
                int base = (row * length + t) * headDim;
                for (int i = 0; i < half; i++) {
                    float angle = position * inv[i];
                    float c = (float) Math.cos(angle) * magnitude;
                    float s = (float) Math.sin(angle) * magnitude;
                    cos[base + i] = c;
                    cos[base + half + i] = c;
                    sin[base + i] = s;
                    sin[base + half + i] = s;
                }
            }
        }
        Shape shape = new Shape(b, 1, length, headDim);
        return new NDList(
                manager.create(cos, shape).toType(dtype, false),
                manager.create(sin, shape).toType(dtype, false));
    }

    /** x·cos + rotate_half(x)·sin, rotate_half(x) = concat(−x[d/2:], x[:d/2]). x: [B, heads, T, d]. */
    public static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDArray first = x.get(":, :, :, :{}", half);
        NDArray second = x.get(":, :, :, {}:", half);
        NDArray negated = second.neg();
        NDArray rotated = negated.concat(first, 3);
        negated.close();
        return x.mul(cos).addi(rotated.muli(sin));
    }
}
