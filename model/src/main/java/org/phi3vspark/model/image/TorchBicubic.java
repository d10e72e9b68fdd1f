package org.phi3vspark.model.image;

/**
 * {@code torch.nn.functional.interpolate(x, size, mode="bicubic", align_corners=False)} on CPU for float32,
 * following the operation order of PyTorch's generic upsample kernel: per-axis source index
 * {@code scale * (dst + 0.5) - 0.5} in float32, A = -0.75, taps clamped to the edge, no antialias;
 * each output is the weighted sum over the 4 taps along x within each of the 4 rows, then over the rows.
 *
 * <p>Each 4-term sum is evaluated as {@code fma(v3,w3, fma(v2,w2, fma(v0,w0, v1*w1)))}: that is how GCC
 * contracts PyTorch's {@code out = v0*w0; out += v1*w1; ...} in its FMA-enabled CPU kernels, and it
 * reproduces the reference global views bit for bit (plain float sums differ by 1 ulp in ~10% of values,
 * well within the 1e-5 tolerance either way).
 */
final class TorchBicubic {
    private static final float A = -0.75f;

    private TorchBicubic() {
    }

    /** Tap indices (4 per output, clamped) and weights (4 per output) of one axis. */
    record Axis(int[] index, float[] weight) {
    }

    static Axis axis(int inSize, int outSize) {
        float scale = (float) inSize / outSize;
        int[] index = new int[outSize * 4];
        float[] weight = new float[outSize * 4];
        for (int o = 0; o < outSize; o++) {
            float real = scale * (o + 0.5f) - 0.5f;
            int i = Math.min((int) Math.floor(real), inSize - 1);
            float t = Math.min(Math.max(real - i, 0f), 1f);
            float x2 = 1.0f - t;
            weight[o * 4] = convolution2(t + 1.0f);
            weight[o * 4 + 1] = convolution1(t);
            weight[o * 4 + 2] = convolution1(x2);
            weight[o * 4 + 3] = convolution2(x2 + 1.0f);
            for (int j = 0; j < 4; j++) {
                index[o * 4 + j] = Math.max(0, Math.min(inSize - 1, i - 1 + j));
            }
        }
        return new Axis(index, weight);
    }

    /** Weight for |x| <= 1. */
    private static float convolution1(float x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** Weight for 1 < |x| < 2. */
    private static float convolution2(float x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }

    /**
     * Resizes {@code channels} planes of {@code inH x inW} floats starting at {@code src[srcOffset]} to
     * {@code outH x outW}, writing planes contiguously into {@code dst} from {@code dstOffset}.
     */
    static void resize(float[] src, int srcOffset, int channels, int inH, int inW,
            float[] dst, int dstOffset, int outH, int outW) {
        Axis ay = axis(inH, outH);
        Axis ax = axis(inW, outW);
        int[] xi = ax.index();
        float[] xw = ax.weight();
        int[] yi = ay.index();
        float[] yw = ay.weight();
        for (int c = 0; c < channels; c++) {
            int plane = srcOffset + c * inH * inW;
            int outPlane = dstOffset + c * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    int b = ox * 4;
                    float r0 = row(src, plane + yi[oy * 4] * inW, xi, xw, b);
                    float r1 = row(src, plane + yi[oy * 4 + 1] * inW, xi, xw, b);
                    float r2 = row(src, plane + yi[oy * 4 + 2] * inW, xi, xw, b);
                    float r3 = row(src, plane + yi[oy * 4 + 3] * inW, xi, xw, b);
                    dst[outPlane + oy * outW + ox] = dot4(r0, r1, r2, r3, yw, oy * 4);
                }
            }
        }
    }

    private static float row(float[] src, int rowStart, int[] xi, float[] xw, int b) {
        return dot4(src[rowStart + xi[b]], src[rowStart + xi[b + 1]], src[rowStart + xi[b + 2]],
                src[rowStart + xi[b + 3]], xw, b);
    }

    private static float dot4(float v0, float v1, float v2, float v3, float[] w, int b) {
        return Math.fma(v3, w[b + 3], Math.fma(v2, w[b + 2], Math.fma(v0, w[b], v1 * w[b + 1])));
    }
}
