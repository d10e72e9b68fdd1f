package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;

/** The small building blocks shared by the vision tower and the decoder, written as the math. */
final class Layers {
    private Layers() {}

    /** y = x·Wᵀ + b, with W stored PyTorch-style as [out, in]; {@code bias} may be null. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * RMSNorm as the reference computes it: normalise in float32, cast back to the activation dtype,
     * and only then multiply by the gain (the order matters in fp16/bf16).
     */
    static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        NDArray x32 = x.toType(DataType.FLOAT32, false);
        NDArray variance = x32.square().mean(new int[] {-1}, true);
        NDArray normed = x32.div(variance.add(eps).sqrt());
        return normed.toType(x.getDataType(), false).mul(weight);
    }

    /** LayerNorm over the last axis with affine gain and bias. */
    static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
        return LayerNorm.layerNorm(x, new Shape(x.getShape().getShape()[x.getShape().dimension() - 1]),
                        weight, bias, (float) eps)
                .singletonOrThrow();
    }

    /** CLIP's activation: x·sigmoid(1.702·x). */
    static NDArray quickGelu(NDArray x) {
        return x.mul(x.mul(1.702f).getNDArrayInternal().sigmoid());
    }

    /** SiLU: z·sigmoid(z). */
    static NDArray silu(NDArray z) {
        return z.mul(z.getNDArrayInternal().sigmoid());
    }

    /** Softmax over the last axis computed in float32, returned in {@code x}'s dtype (eager attention). */
    static NDArray softmaxFloat32(NDArray x) {
        return x.toType(DataType.FLOAT32, false).softmax(-1).toType(x.getDataType(), false);
    }
}
