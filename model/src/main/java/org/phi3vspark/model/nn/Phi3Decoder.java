package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.ArrayList;
import java.util.List;
import org.phi3vspark.model.config.ModelConfig;

/**
 * The Phi-3 text decoder: pre-norm layers of fused-QKV attention with LongRoPE and a fused gate/up SiLU
 * MLP, a final RMSNorm and the LM head. Works on a batch of rows whose new tokens start at per-row
 * positions, reading and writing a {@link KvCache}.
 */
public final class Phi3Decoder {
    private record Layer(
            NDArray inputNorm, // [H]
            NDArray qkvProj, // [(heads + 2·kvHeads)·d, H]
            NDArray oProj, // [H, heads·d]
            NDArray postAttentionNorm, // [H]
            NDArray gateUpProj, // [2·I, H]
            NDArray downProj) {} // [H, I]

    private final ModelConfig config;
    private final NDArray embedTokens; // [vocab, H]
    private final List<Layer> layers;
    private final NDArray finalNorm; // [H]
    private final NDArray lmHead; // [vocab, H]
    private final LongRope rope;
    private final Attention attention;

    private Phi3Decoder(ModelConfig config, NDArray embedTokens, List<Layer> layers, NDArray finalNorm, NDArray lmHead,
            long attentionBlockBytes) {
        this.config = config;
        this.attention = new Attention(attentionBlockBytes);
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rope = new LongRope(config);
    }

    /** @param attentionBlockBytes the most one block of attention scores may take (see {@link Attention}) */
    public static Phi3Decoder load(ModelConfig config, WeightLoader weights, long attentionBlockBytes) {
        long h = config.hiddenSize();
        long d = config.headDim();
        long qkvRows = (config.numAttentionHeads() + 2L * config.numKeyValueHeads()) * d;
        long inter = config.intermediateSize();
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            layers.add(new Layer(
                    weights.load(WeightNames.inputNorm(l), h),
                    weights.load(WeightNames.qkvProj(l), qkvRows, h),
                    weights.load(WeightNames.oProj(l), h, config.numAttentionHeads() * d),
                    weights.load(WeightNames.postAttentionNorm(l), h),
                    weights.load(WeightNames.gateUpProj(l), 2 * inter, h),
                    weights.load(WeightNames.downProj(l), h, inter)));
        }
        return new Phi3Decoder(config,
                weights.load(WeightNames.EMBED_TOKENS, config.vocabSize(), h),
                layers,
                weights.load(WeightNames.FINAL_NORM, h),
                weights.load(WeightNames.LM_HEAD, config.vocabSize(), h),
                attentionBlockBytes);
    }

    public LongRope rope() {
        return rope;
    }

    public DataType dtype() {
        return embedTokens.getDataType();
    }

    public ai.djl.Device device() {
        return embedTokens.getDevice();
    }

    /** The shape and dtype of this decoder's KV cache rows. */
    public KvCache.Layout kvLayout() {
        return new KvCache.Layout(layers.size(), config.numKeyValueHeads(), config.headDim(), dtype());
    }

    /** Token embeddings [n, H]; negative ids (image placeholders) read row 0 and are overwritten later. */
    public NDArray embed(NDManager manager, long[] ids) {
        long[] clamped = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            clamped[i] = Math.max(0, Math.min(ids[i], config.vocabSize() - 1));
        }
        NDArray index = manager.create(clamped).toDevice(embedTokens.getDevice(), false);
        return index.getNDArrayInternal().embedding(index, embedTokens, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * Runs every layer over T new tokens per row. x: [B, T, H] input embeddings (not modified); row b's
     * tokens sit at positions start[b] .. start[b] + T − 1 of cache row cacheRow0 + b and attend causally
     * to the cached positions before them. Returns the last layer's output [B, T, H] (before the final
     * norm, see {@link #logits}).
     *
     * <p>Memory: each layer runs in a scope of its own that keeps only the layer's output, and the
     * previous layer's output is freed as soon as the next one exists, so a prefill holds one layer's
     * working set at a time, whatever the layer count.
     */
    public NDArray forward(NDArray x, KvCache cache, int cacheRow0, int[] start, boolean[] longFactors) {
        NDManager manager = x.getManager();
        int t = (int) x.getShape().get(1);
        NDList cosSin = rope.cosSin(manager, start, t, longFactors, x.getDataType());
        NDArray cos = cosSin.get(0).toDevice(x.getDevice(), false); // [B, 1, T, d]
        NDArray sin = cosSin.get(1).toDevice(x.getDevice(), false);
        NDArray h = x;
        try (Attention.CausalMask mask = new Attention.CausalMask(manager, start, t, x.getDataType());
                KvCache.Slots slots = cache.slots(manager, cacheRow0, start, t)) {
            for (int l = 0; l < layers.size(); l++) {
                NDArray next;
                try (NDScope scope = new NDScope()) {
                    next = layer(layers.get(l), l, h, cos, sin, cache, slots, cacheRow0, mask);
                    NDScope.unregister(next);
                }
                if (h != x) {
                    h.close();
                }
                h = next;
            }
        } finally {
            cosSin.close();
            cos.close();
            sin.close();
        }
        if (h != x) {
            NDScope.register(h); // the last layer's output left its scope: the caller's scope owns it
        }
        return h;
    }

    /** Logits in float32: lm_head(final_norm(hidden)). hidden: [..., H] → [..., vocab]. */
    public NDArray logits(NDArray hidden) {
        NDArray normed = Layers.rmsNorm(hidden, finalNorm, config.rmsNormEps());
        NDArray logits = Layers.linear(normed, lmHead, null);
        normed.close();
        return logits.toType(DataType.FLOAT32, false);
    }

    /** One pre-norm block: h + attention(norm(h)), then + mlp(norm(·)). h: [B, T, H] → [B, T, H]. */
    private NDArray layer(Layer layer, int l, NDArray h, NDArray cos, NDArray sin, KvCache cache,
            KvCache.Slots slots, int cacheRow0, Attention.CausalMask mask) {
        NDArray residual = h.add(attention(layer, l, Layers.rmsNorm(h, layer.inputNorm(), config.rmsNormEps()),
                cos, sin, cache, slots, cacheRow0, mask));
        return residual.addi(mlp(layer, Layers.rmsNorm(residual, layer.postAttentionNorm(), config.rmsNormEps())));
    }

    /** Causal self-attention over the cache. x: [B, T, H] → [B, T, H]. */
    private NDArray attention(Layer layer, int l, NDArray x, NDArray cos, NDArray sin, KvCache cache,
            KvCache.Slots slots, int cacheRow0, Attention.CausalMask mask) {
        long b = x.getShape().get(0);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        long d = config.headDim();
        NDArray qkv = Layers.linear(x, layer.qkvProj(), null); // [B, T, (heads + 2·kvHeads)·d]
        NDList parts = qkv.split(new long[] {heads * d, (heads + kvHeads) * d}, 2);
        // 1/sqrt(d) folded into q: [B, h, T, d] is T/d times smaller than the scores it would scale. Not
        // bit-identical to the reference's (q·kᵀ)/sqrt(d) (1/sqrt(96) is not a power of two): within the golden
        // tolerances in float32 and float16, and it keeps float16 scores further from overflow.
        NDArray q = LongRope.apply(splitHeads(parts.get(0), heads, d), cos, sin).muli((float) (1 / Math.sqrt(d)));
        NDArray k = LongRope.apply(splitHeads(parts.get(1), kvHeads, d), cos, sin); // [B, kvHeads, T, d]
        NDArray v = splitHeads(parts.get(2), kvHeads, d);
        slots.write(l, k, v);
        int keyLength = mask.keyLength();
        NDArray keys = cache.keys(l, cacheRow0, cacheRow0 + (int) b, keyLength); // [B, kvHeads, S, d]
        NDArray values = cache.values(l, cacheRow0, cacheRow0 + (int) b, keyLength);
        if (kvHeads != heads) {
            keys = keys.repeat(1, heads / kvHeads);
            values = values.repeat(1, heads / kvHeads);
        }
        NDArray context = attention.attend(q, keys, values, mask); // [B, T, H]
        return Layers.linear(context, layer.oProj(), null);
    }

    private static NDArray splitHeads(NDArray x, long heads, long d) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, d).transpose(0, 2, 1, 3);
    }

    /** down(up · silu(gate)), gate and up fused as rows [gate; up] of gate_up_proj. x: [B, T, H] → [B, T, H]. */
    private NDArray mlp(Layer layer, NDArray x) {
        NDList gateUp = Layers.linear(x, layer.gateUpProj(), null).split(2, 2); // 2 × [B, T, I]
        NDArray product = Layers.silu(gateUp.get(0)).muli(gateUp.get(1));
        return Layers.linear(product, layer.downProj(), null);
    }

    /** Lowest value of the dtype, the reference's additive mask for a closed position. */
    public static float maskValue(DataType dtype) {
        return dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
    }
}
