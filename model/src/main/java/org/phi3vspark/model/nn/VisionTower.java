package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.ArrayList;
import java.util.List;
import org.phi3vspark.model.config.VisionConfig;

/**
 * The CLIP ViT image encoder. Phi-3.5-vision takes the patch features of hidden_states[-2]: the
 * input of the last encoder layer, so that layer and post_layernorm are never run.
 */
public final class VisionTower {
    private record EncoderLayer(
            NDArray norm1Weight, NDArray norm1Bias,
            NDArray qWeight, NDArray qBias, NDArray kWeight, NDArray kBias, NDArray vWeight, NDArray vBias,
            NDArray outWeight, NDArray outBias,
            NDArray norm2Weight, NDArray norm2Bias,
            NDArray fc1Weight, NDArray fc1Bias, NDArray fc2Weight, NDArray fc2Bias) {}

    private final VisionConfig config;
    private final NDArray classEmbedding; // [C]
    private final NDArray patchEmbedding; // [C, 3, p, p]
    private final NDArray positionEmbedding; // [1 + n², C]
    private final NDArray preNormWeight;
    private final NDArray preNormBias;
    private final List<EncoderLayer> layers; // only the layers whose output is used
    private final Attention attention;

    private VisionTower(VisionConfig config, NDArray classEmbedding, NDArray patchEmbedding,
            NDArray positionEmbedding, NDArray preNormWeight, NDArray preNormBias, List<EncoderLayer> layers,
            long attentionBlockBytes) {
        this.config = config;
        this.attention = new Attention(attentionBlockBytes);
        this.classEmbedding = classEmbedding;
        this.patchEmbedding = patchEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preNormWeight = preNormWeight;
        this.preNormBias = preNormBias;
        this.layers = layers;
    }

    public static VisionTower load(VisionConfig config, WeightLoader weights, long attentionBlockBytes) {
        long c = config.hiddenSize();
        long mlp = config.intermediateSize();
        long p = config.patchSize();
        long positions = 1L + (long) config.numPatchesPerSide() * config.numPatchesPerSide();
        List<EncoderLayer> layers = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers() - 1; l++) {
            layers.add(new EncoderLayer(
                    weights.load(WeightNames.clip(l, "layer_norm1.weight"), c),
                    weights.load(WeightNames.clip(l, "layer_norm1.bias"), c),
                    weights.load(WeightNames.clip(l, "self_attn.q_proj.weight"), c, c),
                    weights.load(WeightNames.clip(l, "self_attn.q_proj.bias"), c),
                    weights.load(WeightNames.clip(l, "self_attn.k_proj.weight"), c, c),
                    weights.load(WeightNames.clip(l, "self_attn.k_proj.bias"), c),
                    weights.load(WeightNames.clip(l, "self_attn.v_proj.weight"), c, c),
                    weights.load(WeightNames.clip(l, "self_attn.v_proj.bias"), c),
                    weights.load(WeightNames.clip(l, "self_attn.out_proj.weight"), c, c),
                    weights.load(WeightNames.clip(l, "self_attn.out_proj.bias"), c),
                    weights.load(WeightNames.clip(l, "layer_norm2.weight"), c),
                    weights.load(WeightNames.clip(l, "layer_norm2.bias"), c),
                    weights.load(WeightNames.clip(l, "mlp.fc1.weight"), mlp, c),
                    weights.load(WeightNames.clip(l, "mlp.fc1.bias"), mlp),
                    weights.load(WeightNames.clip(l, "mlp.fc2.weight"), c, mlp),
                    weights.load(WeightNames.clip(l, "mlp.fc2.bias"), c)));
        }
        return new VisionTower(config,
                weights.load(WeightNames.CLASS_EMBEDDING, c),
                weights.load(WeightNames.PATCH_EMBEDDING, c, 3, p, p),
                weights.load(WeightNames.POSITION_EMBEDDING, positions, c),
                weights.load(WeightNames.PRE_NORM_W, c),
                weights.load(WeightNames.PRE_NORM_B, c),
                layers, attentionBlockBytes);
    }

    /**
     * pixels [N, 3, S, S] (normalised crops) → patch features [N, n², C], CLS dropped.
     *
     * <p>Crops never attend to each other, so the tower runs over blocks of crops, as many as keep one
     * layer's attention scores within the budget, and each layer's temporaries are freed before the next
     * layer: memory is bounded by one block's working set whatever the crop count.
     */
    public NDArray patchFeatures(NDArray pixels) {
        long n = pixels.getShape().get(0);
        long tokens = 1L + (long) config.numPatchesPerSide() * config.numPatchesPerSide();
        long cropsPerBlock = attention.blockRows(1, config.numAttentionHeads(), tokens) / tokens;
        cropsPerBlock = Math.max(1, Math.min(n, cropsPerBlock));
        if (cropsPerBlock >= n) {
            return encode(pixels);
        }
        NDList blocks = new NDList();
        for (long c0 = 0; c0 < n; c0 += cropsPerBlock) {
            blocks.add(encode(pixels.get(new NDIndex("{}:{}", c0, Math.min(n, c0 + cropsPerBlock)))));
        }
        NDArray features = NDArrays.concat(blocks, 0);
        blocks.close();
        return features;
    }

    /** Embeddings, pre-norm and every used encoder layer over a block of crops: [n, 3, S, S] → [n, n², C]. */
    private NDArray encode(NDArray pixels) {
        NDArray h;
        try (NDScope scope = new NDScope()) {
            h = embed(pixels);
            NDScope.unregister(h);
        }
        for (EncoderLayer layer : layers) {
            NDArray next;
            try (NDScope scope = new NDScope()) {
                next = layer(layer, h);
                NDScope.unregister(next);
            }
            h.close();
            h = next;
        }
        NDArray patches = h.get(":, 1:, :"); // [n, n², C]
        NDArray compact = patches.duplicate(); // owns its storage, so h can go
        patches.close();
        h.close();
        return compact;
    }

    /** Patch embedding + CLS + positions, then CLIP's pre-layernorm: [n, 3, S, S] → [n, 1 + n², C]. */
    private NDArray embed(NDArray pixels) {
        long n = pixels.getShape().get(0);
        long c = config.hiddenSize();
        long p = config.patchSize();
        NDArray patches = Conv2d.conv2d(pixels, patchEmbedding, null, new Shape(p, p)).singletonOrThrow(); // [n, C, g, g]
        patches = patches.reshape(n, c, -1).transpose(0, 2, 1); // [n, g², C], patch = row·g + col
        NDArray cls = classEmbedding.reshape(1, 1, c).broadcast(n, 1, c);
        // a view of a weight belongs to the weights' manager; concat takes its first input's manager, and the
        // activations must belong to the request's, so that they never outlive it
        cls.attach(patches.getManager());
        NDArray h = NDArrays.concat(new NDList(cls.toType(patches.getDataType(), false), patches), 1); // [n, 1 + g², C]
        h.addi(positionEmbedding);
        return Layers.layerNorm(h, preNormWeight, preNormBias, config.layerNormEps());
    }

    /** One pre-norm encoder layer: h + attention(norm1(h)), then + mlp(norm2(·)). */
    private NDArray layer(EncoderLayer layer, NDArray h) {
        NDArray residual = h.add(attention(layer,
                Layers.layerNorm(h, layer.norm1Weight(), layer.norm1Bias(), config.layerNormEps())));
        return residual.addi(mlp(layer,
                Layers.layerNorm(residual, layer.norm2Weight(), layer.norm2Bias(), config.layerNormEps())));
    }

    /** Bidirectional multi-head self-attention with biased projections. x: [n, T, C] → [n, T, C]. */
    private NDArray attention(EncoderLayer layer, NDArray x) {
        long heads = config.numAttentionHeads();
        long d = config.headDim();
        NDArray q = Layers.linear(x, layer.qWeight(), layer.qBias()).muli((float) Math.pow(d, -0.5));
        NDArray k = Layers.linear(x, layer.kWeight(), layer.kBias());
        NDArray v = Layers.linear(x, layer.vWeight(), layer.vBias());
        NDArray context = attention.attend(splitHeads(q, heads, d), splitHeads(k, heads, d), splitHeads(v, heads, d),
                null); // [n, T, C]
        return Layers.linear(context, layer.outWeight(), layer.outBias());
    }

    private static NDArray splitHeads(NDArray x, long heads, long d) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, d).transpose(0, 2, 1, 3);
    }

    private static NDArray mlp(EncoderLayer layer, NDArray x) {
        NDArray hidden = Layers.quickGelu(Layers.linear(x, layer.fc1Weight(), layer.fc1Bias()));
        return Layers.linear(hidden, layer.fc2Weight(), layer.fc2Bias());
    }
}
