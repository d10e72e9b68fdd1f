package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

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
        return normed.toType(x.getDataType(), false).muli(weight);
    }

    /** LayerNorm over the last axis with affine gain and bias. */
    static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
        return LayerNorm.layerNorm(x, new Shape(x.getShape().getShape()[x.getShape().dimension() - 1]),
                        weight, bias, (float) eps)
                .singletonOrThrow();
    }

    /** CLIP's activation: x·sigmoid(1.702·x). Frees its temporary before returning. */
    static NDArray quickGelu(NDArray x) {
        NDArray scaled = x.mul(1.702f);
        NDArray gate = scaled.getNDArrayInternal().sigmoid();
        scaled.close();
        return gate.muli(x);
    }

    /** SiLU: z·sigmoid(z). */
    static NDArray silu(NDArray z) {
        return z.getNDArrayInternal().sigmoid().muli(z);
    }

    /**
     * Softmax over the last axis computed in float32, returned in {@code x}'s dtype (the reference's
     * {@code softmax(x, dim=-1, dtype=torch.float32).to(x.dtype)}): torch upcasts inside the kernel, so a
     * float16 input needs no float32 copy of its own.
     */
    static NDArray softmaxFloat32(NDArray x) {
        NDArray probabilities = JniUtils.softmax((PtNDArray) x, -1, DataType.FLOAT32);
        if (x.getDataType() == DataType.FLOAT32) {
            return probabilities;
        }
        NDArray cast = probabilities.toType(x.getDataType(), false);
        probabilities.close();
        return cast;
    }
}
